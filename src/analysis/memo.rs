//! Answers remembered per key: the analyses ask the same questions many times.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// A table of remembered answers.
pub(crate) type Memo<K, V> = RefCell<FxHashMap<K, V>>;

/// The answer for `key`, computed by `make` the first time it is asked. `make` may ask the
/// same table about other keys.
pub(crate) fn remembered<K, Q, V>(memo: &Memo<K, V>, key: &Q, make: impl FnOnce() -> V) -> V
where
    K: Borrow<Q> + Hash + Eq,
    Q: ToOwned<Owned = K> + Hash + Eq + ?Sized,
    V: Clone,
{
    if let Some(known) = memo.borrow().get(key) {
        return known.clone();
    }
    let answer = make();
    memo.borrow_mut().insert(key.to_owned(), answer.clone());
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_once_per_key_and_allows_nested_questions() {
        let memo: Memo<String, usize> = Memo::default();
        let asked = std::cell::Cell::new(0);
        let length = |s: &str| {
            remembered(&memo, s, || {
                asked.set(asked.get() + 1);
                s.len()
            })
        };
        assert_eq!(length("abc"), 3);
        assert_eq!(length("abc"), 3);
        assert_eq!(asked.get(), 1);
        let outer = remembered(&memo, "outer", || length("inner") + 1);
        assert_eq!(outer, 6);
        assert_eq!(asked.get(), 2);
    }
}
