//! The rows of each list, built once per loaded account, and the filter/sort that picks which
//! rows a list shows. Views only read these.

use jiff::Timestamp;
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::insights::{Insights, Severity};
use crate::model::{Account, EntityRef, GroupId, PolicyId, RoleId, User, UserId};

/// The lists, in tab order. `:` commands use [`Kind::command`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Users,
    Groups,
    Roles,
    Policies,
    Findings,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Users,
        Kind::Groups,
        Kind::Roles,
        Kind::Policies,
        Kind::Findings,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Kind::Users => "Users",
            Kind::Groups => "Groups",
            Kind::Roles => "Roles",
            Kind::Policies => "Policies",
            Kind::Findings => "Findings",
        }
    }

    pub fn command(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Groups => "groups",
            Kind::Roles => "roles",
            Kind::Policies => "policies",
            Kind::Findings => "findings",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Column titles; the last column holds the badges.
    pub fn columns(self) -> [&'static str; 6] {
        match self {
            Kind::Users => ["NAME", "PATH", "CREATED", "LAST USED", "POLICIES", "RISK"],
            Kind::Groups => ["NAME", "PATH", "CREATED", "MEMBERS", "POLICIES", "RISK"],
            Kind::Roles => ["NAME", "PATH", "CREATED", "LAST USED", "POLICIES", "RISK"],
            Kind::Policies => ["NAME", "PATH", "CREATED", "UPDATED", "ATTACHED", "RISK"],
            Kind::Findings => ["FINDING", "ON", "", "", "", "SEVERITY"],
        }
    }
}

/// When something was last used, as far as the input says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LastUsed {
    /// The input does not say (or the column does not apply).
    Unknown,
    Never,
    At(Timestamp),
}

/// What a row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Entity(EntityRef),
    /// Index into [`Insights::findings`].
    Finding(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub target: Target,
    pub name: String,
    /// The path (entities) or the entity's name (findings).
    pub path: String,
    pub created: Option<Timestamp>,
    /// Last used (users, roles), or updated (policies).
    pub last_used: LastUsed,
    /// Group members (groups) or `None` where the column is the last-used one.
    pub members: Option<usize>,
    /// Policies (users, groups, roles) or attachments (policies).
    pub count: usize,
    pub worst: Option<Severity>,
}

/// Sort orders, cycled by `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sort {
    #[default]
    Name,
    Created,
    LastUsed,
    Policies,
    Risk,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Name,
        Sort::Created,
        Sort::LastUsed,
        Sort::Policies,
        Sort::Risk,
    ];

    pub fn next(self) -> Sort {
        let i = Sort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Sort::ALL[(i + 1) % Sort::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Created => "created, newest first",
            Sort::LastUsed => "last used, stalest first",
            Sort::Policies => "policies, most first",
            Sort::Risk => "risk, worst first",
        }
    }
}

/// The rows of one list and its row order under each sort.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub rows: Vec<Row>,
    /// Row indexes, per [`Sort::ALL`] entry, sorted once so filtering never sorts.
    orders: Vec<Vec<u32>>,
}

impl Table {
    fn new(rows: Vec<Row>) -> Table {
        let mut orders = Vec::with_capacity(Sort::ALL.len());
        for sort in Sort::ALL {
            let mut order: Vec<u32> = (0..rows.len() as u32).collect();
            let key = |i: &u32| &rows[*i as usize];
            order.sort_by(|a, b| {
                let (a, b) = (key(a), key(b));
                let by_name = || a.name.to_lowercase().cmp(&b.name.to_lowercase());
                match sort {
                    Sort::Name => by_name(),
                    Sort::Created => b.created.cmp(&a.created).then_with(by_name),
                    Sort::LastUsed => a.last_used.cmp(&b.last_used).then_with(by_name),
                    Sort::Policies => b.count.cmp(&a.count).then_with(by_name),
                    Sort::Risk => b.worst.cmp(&a.worst).then_with(by_name),
                }
            });
            orders.push(order);
        }
        Table { rows, orders }
    }

    /// The rows a list shows, in order: those matching `filter` (fuzzy on the name; a leading
    /// `!` keeps the non-matching ones), optionally only those with findings.
    pub fn select(&self, sort: Sort, filter: &str, risky_only: bool) -> Vec<u32> {
        let order = self
            .orders
            .get(Sort::ALL.iter().position(|s| *s == sort).unwrap_or(0))
            .map_or(&[][..], Vec::as_slice);
        let (invert, pattern) = match filter.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, filter),
        };
        let pattern = pattern.trim();
        let risky = |i: u32| !risky_only || self.rows[i as usize].worst.is_some();
        if pattern.is_empty() {
            return order.iter().copied().filter(|i| risky(*i)).collect();
        }
        let pattern = Pattern::new(
            pattern,
            CaseMatching::Smart,
            Normalization::Smart,
            AtomKind::Fuzzy,
        );
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        order
            .iter()
            .copied()
            .filter(|i| {
                risky(*i) && {
                    let name = Utf32Str::new(&self.rows[*i as usize].name, &mut buf);
                    pattern.score(name, &mut matcher).is_some() != invert
                }
            })
            .collect()
    }
}

/// All lists of one loaded account.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    tables: [Table; 5],
}

impl Tables {
    pub fn build(account: &Account, insights: &Insights) -> Tables {
        let worst = |e: EntityRef| insights.worst(e);
        let users = account
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let e = EntityRef::User(UserId(i as u32));
                Row {
                    target: Target::Entity(e),
                    name: u.name.clone(),
                    path: u.path.clone(),
                    created: u.created,
                    last_used: user_last_used(u),
                    members: None,
                    count: u.inline_policies.len() + u.attached_policies.len(),
                    worst: worst(e),
                }
            })
            .collect();
        let groups = account
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let e = EntityRef::Group(GroupId(i as u32));
                Row {
                    target: Target::Entity(e),
                    name: g.name.clone(),
                    path: g.path.clone(),
                    created: g.created,
                    last_used: LastUsed::Unknown,
                    members: Some(g.members.len()),
                    count: g.inline_policies.len() + g.attached_policies.len(),
                    worst: worst(e),
                }
            })
            .collect();
        let roles = account
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let e = EntityRef::Role(RoleId(i as u32));
                Row {
                    target: Target::Entity(e),
                    name: r.name.clone(),
                    path: r.path.clone(),
                    created: r.created,
                    last_used: match &r.last_used {
                        None => LastUsed::Unknown,
                        Some(l) => l.date.map_or(LastUsed::Never, LastUsed::At),
                    },
                    members: None,
                    count: r.inline_policies.len() + r.attached_policies.len(),
                    worst: worst(e),
                }
            })
            .collect();
        let policies = account
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let id = PolicyId(i as u32);
                let e = EntityRef::Policy(id);
                Row {
                    target: Target::Entity(e),
                    name: p.name.clone(),
                    path: p.path.clone(),
                    created: p.created,
                    last_used: p.updated.map_or(LastUsed::Unknown, LastUsed::At),
                    members: None,
                    count: account.attached_to(id).len(),
                    worst: worst(e),
                }
            })
            .collect();
        let findings = insights
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| Row {
                target: Target::Finding(i),
                name: f.title.clone(),
                path: f
                    .entity
                    .map(|e| account.name_of(e).to_owned())
                    .unwrap_or_default(),
                created: None,
                last_used: LastUsed::Unknown,
                members: None,
                count: 0,
                worst: Some(f.severity),
            })
            .collect();
        Tables {
            tables: [users, groups, roles, policies, findings].map(Table::new),
        }
    }

    pub fn get(&self, kind: Kind) -> &Table {
        &self.tables[kind.index()]
    }
}

fn user_last_used(u: &User) -> LastUsed {
    let c = &u.credentials;
    let latest = c
        .access_keys
        .iter()
        .filter_map(|k| k.last_used)
        .chain(c.password_last_used)
        .max();
    match latest {
        Some(t) => LastUsed::At(t),
        // Known credentials that were never used, versus no credential data at all.
        None if c.password_enabled.is_some() || !c.access_keys.is_empty() => LastUsed::Never,
        None => LastUsed::Unknown,
    }
}

/// `3d ago`, `today`, `never`, `-`: ages relative to the app's clock.
pub fn age(t: LastUsed, now: Timestamp) -> String {
    match t {
        LastUsed::Unknown => "-".into(),
        LastUsed::Never => "never".into(),
        LastUsed::At(t) => match (now.as_second() - t.as_second()) / 86_400 {
            d if d <= 0 => "today".into(),
            d => format!("{d}d ago"),
        },
    }
}

pub fn date(t: Option<Timestamp>) -> String {
    crate::cli::date(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> (Account, Tables) {
        let a = crate::source::demo::account().unwrap();
        let t = Tables::build(&a, &Insights::default());
        (a, t)
    }

    fn names(t: &Table, order: &[u32]) -> Vec<String> {
        order
            .iter()
            .map(|i| t.rows[*i as usize].name.clone())
            .collect()
    }

    #[test]
    fn fuzzy_filter_and_inversion() {
        let (a, tables) = tables();
        let roles = tables.get(Kind::Roles);
        let hit = names(roles, &roles.select(Sort::Name, "myapptask", false));
        assert_eq!(hit, vec!["MyAppTaskRole"]);
        let all = roles.select(Sort::Name, "", false).len();
        assert_eq!(all, a.roles.len());
        let inverted = roles.select(Sort::Name, "!myapptask", false);
        assert_eq!(inverted.len(), all - 1);
        // Risky only with no analysis: nothing is risky.
        assert!(roles.select(Sort::Name, "", true).is_empty());
    }

    #[test]
    fn sorts_are_precomputed() {
        let (_, tables) = tables();
        let users = tables.get(Kind::Users);
        let by_name = names(users, &users.select(Sort::Name, "", false));
        let mut sorted = by_name.clone();
        sorted.sort_by_key(|n| n.to_lowercase());
        assert_eq!(by_name, sorted);
        let created = users.select(Sort::Created, "", false);
        let times: Vec<_> = created
            .iter()
            .map(|i| users.rows[*i as usize].created)
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    }

    #[test]
    fn ages_use_the_given_clock() {
        let now: Timestamp = "2026-11-01T09:00:00Z".parse().unwrap();
        let t: Timestamp = "2026-10-29T09:00:00Z".parse().unwrap();
        assert_eq!(age(LastUsed::At(t), now), "3d ago");
        assert_eq!(age(LastUsed::Never, now), "never");
    }
}
