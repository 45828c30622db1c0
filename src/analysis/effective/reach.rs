//! Which of the account's principals (or groups, or managed policies) a question about one of
//! them (its ARN as the resource) may be allowed on: their ARNs sorted, and per identity
//! `Allow` statement the ones its `Resource` may cover. Asking "may `p` do
//! `iam:CreateAccessKey` on `q`?" for every `q` then costs a bit test instead of matching
//! patterns, and most answers are "no".

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::eval::{AllowStatement, PolicySet};

/// The slots (principals, or groups and policies) some statements may cover: all of them, or
/// those in any of the sets.
#[derive(Clone)]
pub enum Reach {
    Everyone,
    Some(Rc<[Rc<Slots>]>),
}

impl Reach {
    /// No slot.
    pub fn nobody() -> Reach {
        Reach::Some(Rc::from([]))
    }

    /// Whether `slot` may be covered.
    pub fn contains(&self, slot: usize) -> bool {
        match self {
            Reach::Everyone => true,
            Reach::Some(sets) => sets.iter().any(|s| s.contains(slot)),
        }
    }

    /// Calls `f` with each slot of `range` that may be covered, in order within each of the
    /// sets (a slot in several sets comes more than once).
    pub fn for_each_in(&self, range: Range<usize>, mut f: impl FnMut(usize)) {
        match self {
            Reach::Everyone => range.for_each(f),
            Reach::Some(sets) => {
                for s in sets.iter() {
                    s.for_each_in(range.clone(), &mut f);
                }
            }
        }
    }
}

/// A set of slots: a sorted list when small, else a bitset.
pub enum Slots {
    Sparse(Box<[u32]>),
    Dense(Box<[u64]>),
}

impl Slots {
    fn new(sorted: Vec<u32>, slots: usize) -> Slots {
        if sorted.len() * 32 < slots {
            return Slots::Sparse(sorted.into());
        }
        let mut bits = vec![0u64; slots.div_ceil(64)];
        for s in sorted {
            bits[s as usize / 64] |= 1 << (s % 64);
        }
        Slots::Dense(bits.into())
    }

    fn contains(&self, slot: usize) -> bool {
        match self {
            Slots::Sparse(list) => {
                u32::try_from(slot).is_ok_and(|s| list.binary_search(&s).is_ok())
            }
            Slots::Dense(bits) => bits
                .get(slot / 64)
                .is_some_and(|w| w & (1 << (slot % 64)) != 0),
        }
    }

    fn for_each_in(&self, range: Range<usize>, f: &mut impl FnMut(usize)) {
        match self {
            Slots::Sparse(list) => {
                let start = list.partition_point(|&s| (s as usize) < range.start);
                for &s in list[start..]
                    .iter()
                    .take_while(|&&s| (s as usize) < range.end)
                {
                    f(s as usize);
                }
            }
            Slots::Dense(bits) => {
                let end = range.end.min(bits.len() * 64);
                let mut slot = range.start;
                while slot < end {
                    let word = slot / 64;
                    // The word's bits from `slot` on, and before `end`.
                    let mut w = bits[word] >> (slot % 64) << (slot % 64);
                    let word_end = (word + 1) * 64;
                    if end < word_end {
                        w &= (1u64 << (end % 64)) - 1;
                    }
                    while w != 0 {
                        f(word * 64 + w.trailing_zeros() as usize);
                        w &= w - 1;
                    }
                    slot = word_end;
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Slots::Sparse(list) => list.is_empty(),
            Slots::Dense(bits) => bits.iter().all(|w| *w == 0),
        }
    }
}

/// ARNs indexed for [`Reach`]: each has a slot, its position in the list given.
pub(super) struct ArnIndex<'a> {
    /// Every ARN with its slot, sorted by ARN.
    sorted: Vec<(&'a str, u32)>,
    slots: usize,
    /// Per statement ([`AllowStatement::id`]): the slots it may cover, `None` for all.
    /// Statements are those of the account's compiled policies, which outlive the index.
    by_statement: RefCell<FxHashMap<usize, Option<Rc<Slots>>>>,
}

impl<'a> ArnIndex<'a> {
    /// `arns[slot]` is the ARN in `slot`.
    pub(super) fn new(arns: impl IntoIterator<Item = &'a str>) -> ArnIndex<'a> {
        let mut sorted: Vec<(&str, u32)> = arns.into_iter().zip(0u32..).collect();
        let slots = sorted.len();
        sorted.sort_unstable();
        ArnIndex {
            sorted,
            slots,
            by_statement: RefCell::default(),
        }
    }

    /// The slots an identity `Allow` of `set` may cover (all of them when a
    /// resource-based policy takes part).
    pub(super) fn reach(&self, set: &PolicySet) -> Reach {
        let Some(allows) = set.identity_allows() else {
            return Reach::Everyone;
        };
        let mut sets: Vec<Rc<Slots>> = Vec::new();
        for st in allows {
            match self.statement(st) {
                None => return Reach::Everyone,
                Some(s) => {
                    if !s.is_empty() && !sets.iter().any(|x| Rc::ptr_eq(x, &s)) {
                        sets.push(s);
                    }
                }
            }
        }
        Reach::Some(sets.into())
    }

    fn statement(&self, st: AllowStatement<'_>) -> Option<Rc<Slots>> {
        if let Some(known) = self.by_statement.borrow().get(&st.id()) {
            return known.clone();
        }
        let found = st.resource_prefixes().map(|prefixes| {
            let mut hits: Vec<u32> = Vec::new();
            for prefix in prefixes {
                let start = self.sorted.partition_point(|(arn, _)| *arn < prefix);
                hits.extend(
                    self.sorted[start..]
                        .iter()
                        .take_while(|(arn, _)| arn.starts_with(prefix))
                        .filter(|(arn, _)| st.may_cover(arn))
                        .map(|(_, slot)| *slot),
                );
            }
            hits.sort_unstable();
            hits.dedup();
            Rc::new(Slots::new(hits, self.slots))
        });
        self.by_statement
            .borrow_mut()
            .insert(st.id(), found.clone());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `for_each_in` lists exactly the slots of the range `contains` admits, in order, for
    /// sparse and dense sets and ranges that start and end inside words.
    #[test]
    fn listing_a_range_agrees_with_membership() {
        let slots = 300;
        let members: Vec<u32> = (0..slots as u32)
            .filter(|s| s % 7 == 3 || *s == 63 || *s == 64)
            .collect();
        let few = vec![5, 64, 130, 299];
        for set in [
            Slots::new(members.clone(), slots),
            Slots::new(few.clone(), slots),
            Slots::new(Vec::new(), slots),
        ] {
            for range in [
                0..slots,
                1..63,
                63..65,
                64..128,
                65..299,
                130..131,
                10..10,
                200..300,
            ] {
                let mut listed = Vec::new();
                set.for_each_in(range.clone(), &mut |s| listed.push(s));
                let expected: Vec<usize> = range.clone().filter(|&s| set.contains(s)).collect();
                assert_eq!(listed, expected, "range {range:?}");
            }
        }
        assert!(matches!(Slots::new(members, slots), Slots::Dense(_)));
        assert!(matches!(Slots::new(few, slots), Slots::Sparse(_)));
    }
}
