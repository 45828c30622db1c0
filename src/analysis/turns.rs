//! Work shared by threads in batches: each thread takes the next positions until none is
//! left, so threads that finish early simply take more.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The next position to hand out.
#[derive(Default)]
pub struct Turns(AtomicUsize);

impl Turns {
    /// The next `batch` positions below `n`, if any is left.
    pub(crate) fn take(&self, n: usize, batch: usize) -> Option<Range<usize>> {
        let start = self.0.fetch_add(batch, Ordering::Relaxed);
        (start < n).then(|| start..(start + batch).min(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_position_is_handed_out_once() {
        let turns = Turns::default();
        let mut seen = Vec::new();
        while let Some(range) = turns.take(10, 4) {
            seen.extend(range);
        }
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!(turns.take(10, 4), None);
    }
}
