//! Which of the account's principals (or groups, or managed policies) a question about one of
//! them (its ARN as the resource) may be allowed on: their ARNs sorted, and per identity
//! `Allow` statement the ones its `Resource` may cover. Asking "may `p` do
//! `iam:CreateAccessKey` on `q`?" for every `q` then costs a bit test instead of matching
//! patterns, and most answers are "no".

use std::cell::RefCell;
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
