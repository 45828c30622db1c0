//! A fixed set of actions with a bit each, so that "which statements cover this action" is a
//! bit test instead of matching every `Action` pattern again.
//!
//! An analysis that asks the same few hundred actions about many principals indexes its
//! policies once ([`crate::eval::CompiledPolicy::indexed`]); restricting a policy to one of
//! those actions ([`crate::eval::CompiledPolicy::for_actions`]) then reads the statements'
//! masks. Actions outside the index are matched as before.

use rustc_hash::FxHashMap as HashMap;

use super::compile::CompiledStatement;
use super::wildcard::Pattern;

/// How many actions an index holds at most.
pub const MAX_ACTIONS: usize = WORDS * 64;

const WORDS: usize = 4;

/// A set of an [`ActionIndex`]'s actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActionMask([u64; WORDS]);

impl ActionMask {
    /// Every action of any index.
    pub fn all() -> ActionMask {
        ActionMask([u64::MAX; WORDS])
    }

    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    pub fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    pub fn or(self, o: ActionMask) -> ActionMask {
        let mut r = self;
        for (a, b) in r.0.iter_mut().zip(o.0) {
            *a |= b;
        }
        r
    }

    pub fn and(self, o: ActionMask) -> ActionMask {
        let mut r = self;
        for (a, b) in r.0.iter_mut().zip(o.0) {
            *a &= b;
        }
        r
    }

    /// Whether the two sets share an action.
    pub fn intersects(&self, o: &ActionMask) -> bool {
        self.0.iter().zip(&o.0).any(|(a, b)| a & b != 0)
    }

    /// The first `n` actions not in `self`.
    fn complement(self, n: usize) -> ActionMask {
        let mut r = ActionMask::default();
        for i in (0..n).filter(|&i| !self.get(i)) {
            r.set(i);
        }
        r
    }
}

/// Up to [`MAX_ACTIONS`] actions, each with a bit.
#[derive(Debug)]
pub struct ActionIndex {
    /// Lowercased, sorted.
    actions: Vec<String>,
    index: HashMap<String, usize>,
    /// By lowercased service prefix: the bits of its actions.
    by_service: HashMap<String, Vec<usize>>,
    /// The actions as the caller spells them, so that most lookups need no lowercasing.
    spelled: HashMap<&'static str, usize>,
}

impl ActionIndex {
    /// An index of `actions` (any case; repeats are ignored). Actions beyond
    /// [`MAX_ACTIONS`] are left out, and so are matched pattern by pattern.
    pub fn new(actions: impl IntoIterator<Item = &'static str>) -> ActionIndex {
        let asked: Vec<&'static str> = actions.into_iter().collect();
        let mut lowered: Vec<String> = asked.iter().map(|a| a.to_ascii_lowercase()).collect();
        lowered.sort();
        lowered.dedup();
        lowered.truncate(MAX_ACTIONS);
        let index: HashMap<String, usize> = lowered
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i))
            .collect();
        let mut by_service: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, a) in lowered.iter().enumerate() {
            if let Some((service, _)) = a.split_once(':') {
                by_service.entry(service.to_owned()).or_default().push(i);
            }
        }
        let spelled = asked
            .into_iter()
            .filter_map(|a| Some((a, *index.get(&a.to_ascii_lowercase())?)))
            .collect();
        ActionIndex {
            actions: lowered,
            index,
            by_service,
            spelled,
        }
    }

    /// The bit of `action` (any case), if the index has it.
    pub fn bit(&self, action: &str) -> Option<usize> {
        match self.spelled.get(action) {
            Some(&i) => Some(i),
            None => self.index.get(&action.to_ascii_lowercase()).copied(),
        }
    }

    /// `actions` as a mask, when the index has all of them.
    pub fn mask_of(&self, actions: &[&str]) -> Option<ActionMask> {
        let mut mask = ActionMask::default();
        for a in actions {
            mask.set(self.bit(a)?);
        }
        Some(mask)
    }

    /// How many actions the index holds.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The actions of the index that `statement`'s `Action`/`NotAction` covers.
    pub(crate) fn statement_mask(&self, statement: &CompiledStatement) -> ActionMask {
        let mut hits = ActionMask::default();
        for pattern in &statement.actions {
            // A pattern without wildcards matches one action at most, found by lookup
            // (compiled action patterns are lowercase, like the index).
            if let Pattern::Exact(action) = pattern {
                if let Some(&i) = self.index.get(&**action) {
                    hits.set(i);
                }
                continue;
            }
            // A pattern with a plain service prefix can only match that service's actions.
            let service = pattern.literal_prefix().split_once(':').map(|(s, _)| s);
            let mut test = |i: usize| {
                if pattern.matches_fold(&self.actions[i]) {
                    hits.set(i);
                }
            };
            match service {
                Some(s) => self
                    .by_service
                    .get(s)
                    .into_iter()
                    .flatten()
                    .for_each(|&i| test(i)),
                None => (0..self.actions.len()).for_each(test),
            }
        }
        if statement.not_action {
            hits.complement(self.actions.len())
        } else {
            hits
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::CompiledPolicy;
    use crate::policy::Policy;

    #[test]
    fn masks_agree_with_matching_each_action() {
        let index = ActionIndex::new([
            "iam:PassRole",
            "iam:CreateAccessKey",
            "s3:GetObject",
            "s3:PutObject",
            "ec2:RunInstances",
            "lambda:CreateFunction",
        ]);
        let doc = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["S3:Get*","iam:passrole"],"Resource":"*"},
            {"Effect":"Allow","NotAction":["iam:*","s3:PutObject"],"Resource":"*"},
            {"Effect":"Deny","Action":"*:Create*","Resource":"*"},
            {"Effect":"Allow","Action":"ec2:Run?nstances","Resource":"*"},
            {"Effect":"Allow","Action":"unknown:Thing","Resource":"*"}]}"#;
        let plain = CompiledPolicy::compile(&Policy::from_json(doc).unwrap());
        let indexed = plain.clone().indexed(Box::leak(Box::new(index)));
        for action in [
            "iam:PassRole",
            "IAM:CreateAccessKey",
            "s3:getobject",
            "s3:PutObject",
            "ec2:RunInstances",
            "lambda:CreateFunction",
            "sqs:SendMessage",
        ] {
            let want: Vec<usize> = plain.for_action(action).statement_indexes();
            let got: Vec<usize> = indexed.for_action(action).statement_indexes();
            assert_eq!(got, want, "{action}");
        }
        assert_eq!(
            indexed.for_action("s3:GetObject").statement_indexes(),
            vec![0, 1]
        );
    }
}
