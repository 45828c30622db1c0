//! State transitions of the terminal UI, driven through `App::update` without a terminal:
//! navigation, filter, back, commands, and the answers keys give where they do not apply.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use iamscope::tui::harness::Harness;
use iamscope::tui::{App, Effect, Kind, Msg, Pane, Screen, Theme};

fn demo() -> Harness {
    Harness::demo((120, 36)).unwrap()
}

fn status(h: &Harness) -> String {
    h.app.status().map(|s| s.text.clone()).unwrap_or_default()
}

fn selected(h: &Harness) -> String {
    h.app.selected_name().unwrap_or_default()
}

#[test]
fn moves_and_clamps_the_list_cursor() {
    let mut h = demo();
    assert_eq!(selected(&h), "alice");
    h.keys("j");
    assert_eq!(selected(&h), "bob");
    h.keys("k<Up><Up>");
    assert_eq!(selected(&h), "alice", "the cursor stops at the top");
    h.keys("G");
    assert_eq!(selected(&h), "release-bot");
    h.keys("j<Down>");
    assert_eq!(
        selected(&h),
        "release-bot",
        "the cursor stops at the bottom"
    );
    h.keys("g");
    assert_eq!(selected(&h), "alice");
    h.keys("<PgDn>");
    assert_eq!(
        selected(&h),
        "release-bot",
        "a page is longer than the list"
    );
}

#[test]
fn enter_drills_in_and_esc_comes_back() {
    let mut h = demo();
    h.keys(":roles<Enter>");
    assert_eq!(h.app.screen(), &Screen::List(Kind::Roles));
    h.keys("/MyAppTask<Enter>");
    assert_eq!(selected(&h), "MyAppTaskRole");
    h.keys("<Enter>");
    assert_eq!(h.app.depth(), 2);
    assert!(matches!(h.app.screen(), Screen::Inspect(_)));
    assert_eq!(h.app.focus(), Pane::Detail);
    h.keys("<Esc>");
    assert_eq!(h.app.depth(), 1);
    assert_eq!(
        selected(&h),
        "MyAppTaskRole",
        "going back keeps the list as it was"
    );
    assert_eq!(h.app.list(Kind::Roles).filter, "MyAppTask");
    // Back on the first view clears the filter first, then says how to quit.
    h.keys("h");
    assert_eq!(h.app.list(Kind::Roles).filter, "");
    assert_eq!(status(&h), "filter cleared");
    h.keys("<Esc>");
    assert!(status(&h).contains("q quits"), "{}", status(&h));
    assert!(!h.quit);
}

#[test]
fn relations_are_followed_with_enter() {
    let mut h = demo();
    // alice → her group → its member bob.
    h.keys("<Enter>");
    assert_eq!(selected(&h), "alice");
    let items = h.app.items();
    let group = items
        .iter()
        .position(|i| format!("{i:?}").contains("group Developers"))
        .unwrap();
    while h.app.inspect().unwrap().item < group {
        h.keys("j");
    }
    h.keys("<Enter>");
    assert_eq!(selected(&h), "Developers");
    assert_eq!(h.app.depth(), 3);
    h.keys("<Esc><Esc>");
    assert_eq!(h.app.depth(), 1);
}

#[test]
fn filter_is_fuzzy_live_invertible_and_cancellable() {
    let mut h = demo();
    h.keys(":roles<Enter>");
    let all = h.app.list(Kind::Roles).visible.len();
    h.keys("/task");
    // Live: the list narrows while typing, before Enter.
    let narrowed = h.app.list(Kind::Roles).visible.len();
    assert!(narrowed < all && narrowed > 0, "{narrowed}/{all}");
    assert!(h.app.prompt().is_some());
    h.keys("<Esc>");
    assert!(h.app.prompt().is_none());
    assert_eq!(h.app.list(Kind::Roles).visible.len(), all, "Esc restores");
    h.keys("/mytr<Enter>");
    assert_eq!(selected(&h), "MyAppTaskRole", "fuzzy: m…y…t…r");
    h.keys("/<BS><BS><BS><BS>!task<Enter>");
    assert_eq!(h.app.list(Kind::Roles).filter, "!task");
    assert_eq!(h.app.list(Kind::Roles).visible.len(), all - narrowed);
    h.keys("/<BS><BS><BS><BS><BS>nothing-matches-this<Enter>");
    assert!(h.app.list(Kind::Roles).visible.is_empty());
    assert!(h.text().contains("no roles match"), "{}", h.text());
}

#[test]
fn commands_complete_and_unknown_ones_say_so() {
    let mut h = demo();
    h.keys(":po<Tab>");
    assert_eq!(h.app.prompt().unwrap().text, "policies");
    h.keys("<Enter>");
    assert_eq!(h.app.screen(), &Screen::List(Kind::Policies));
    h.keys(":gro<Enter>");
    assert_eq!(
        h.app.screen(),
        &Screen::List(Kind::Groups),
        "a unique prefix is enough"
    );
    h.keys(":bogus<Enter>");
    assert!(status(&h).contains("no view `:bogus`"), "{}", status(&h));
    h.keys(":q<Enter>");
    assert!(h.quit);
}

#[test]
fn keys_that_do_not_apply_say_why() {
    let mut h = demo();
    h.keys("<Enter>/");
    assert!(h.app.prompt().is_none());
    assert!(status(&h).contains("only in a list"), "{}", status(&h));
    h.keys("Z");
    assert!(
        status(&h).contains("`Z` does nothing here"),
        "{}",
        status(&h)
    );
    h.keys(":groups<Enter>t");
    assert!(status(&h).contains("is a group"), "{}", status(&h));
}

#[test]
fn risky_only_keeps_rows_with_findings_once_the_analysis_is_in() {
    // Before the analysis has answered, `r` says why it cannot filter yet.
    let account = iamscope::source::demo::account().unwrap();
    let now = account.info.fetched_at.unwrap();
    let mut app = App::new("demo", now, Theme::COLOR, (120, 36));
    app.update(Msg::Loaded(Ok(Box::new(account))));
    app.update(Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('r'),
        KeyModifiers::NONE,
    )));
    let why = app.status().map(|s| s.text.clone()).unwrap_or_default();
    assert!(why.contains("risky only needs findings"), "{why}");

    let mut h = demo();
    let all = h.app.list(Kind::Users).visible.len();
    h.keys("r");
    let risky = h.app.list(Kind::Users).visible.len();
    assert!(risky > 0 && risky < all, "{risky}/{all}");
    assert!(h.text().contains("risky only"), "{}", h.text());
    h.keys("r");
    assert_eq!(h.app.list(Kind::Users).visible.len(), all);
}

#[test]
fn sort_cycles_and_reorders() {
    let mut h = demo();
    h.keys("s");
    assert!(status(&h).contains("created"), "{}", status(&h));
    let first = selected(&h);
    h.keys("g");
    assert_ne!(selected(&h), first, "newest first puts another user on top");
    h.keys("ssss");
    assert!(status(&h).contains("name"), "{}", status(&h));
}

#[test]
fn tab_cycles_panes_and_narrow_terminals_have_one() {
    let mut h = demo();
    assert_eq!(h.app.focus(), Pane::List);
    h.keys("<Tab>");
    assert_eq!(h.app.focus(), Pane::Detail);
    h.keys("<Tab>");
    assert_eq!(h.app.focus(), Pane::Policy);
    h.keys("<S-Tab><S-Tab>");
    assert_eq!(h.app.focus(), Pane::List);
    h.send(Msg::Resize(80, 24));
    h.keys("<Tab>");
    assert_eq!(h.app.focus(), Pane::List);
    assert!(status(&h).contains("one pane here"), "{}", status(&h));
}

#[test]
fn the_policy_pane_follows_the_detail_cursor_and_cycles_documents() {
    let mut h = demo();
    h.keys(":roles<Enter>/MyAppTask<Enter><Enter>");
    let docs = h.app.documents();
    assert_eq!(docs[0].title, "trust policy");
    assert_eq!(h.app.inspect().unwrap().doc, 0);
    h.keys("]");
    assert_eq!(h.app.inspect().unwrap().doc, 1);
    h.keys("[[");
    assert_eq!(h.app.inspect().unwrap().doc, docs.len() - 1, "cycles round");
    h.keys("p");
    assert!(h.app.inspect().unwrap().plain);
    assert!(h.text().contains("1. Allow"), "{}", h.text());
    h.keys("p");
    assert!(!h.app.inspect().unwrap().plain);
}

#[test]
fn y_copies_the_selection_arn() {
    let mut h = demo();
    h.keys("y");
    assert_eq!(h.copied, vec!["arn:aws:iam::123456789012:user/alice"]);
    assert!(status(&h).starts_with("copied "));
}

#[test]
fn mouse_click_selects_then_opens_and_wheel_moves() {
    let mut h = demo();
    let list = h.app.areas().list.unwrap();
    let click = |row: u16| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: list.x + 3,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Row 0 is the border, row 1 the column header.
    h.send(click(list.y + 2 + 2));
    assert_eq!(selected(&h), "charlie");
    h.send(click(list.y + 2 + 2));
    assert_eq!(h.app.depth(), 2, "a second click opens");
    h.keys("<Esc>");
    h.send(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: list.x + 3,
        row: list.y + 5,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(selected(&h), "ci-deploy");
}

#[test]
fn refresh_reloads_in_the_background_and_keeps_the_selection() {
    let mut h = demo();
    h.keys(":roles<Enter>/Vendor<Enter><Enter>");
    assert_eq!(selected(&h), "VendorAuditRole");
    h.keys("R");
    assert_eq!(h.reloads, 1);
    assert!(h.text().contains("refreshing"), "{}", h.text());
    let account = iamscope::source::demo::account().unwrap();
    h.send(Msg::Loaded(Ok(Box::new(account))));
    assert_eq!(selected(&h), "VendorAuditRole");
    assert_eq!(h.app.depth(), 2);
    assert_eq!(status(&h), "refreshed");

    // The account changed meanwhile: the roles come in another order, one is gone. The
    // selection follows its ARN, not its old position.
    let d = iamscope::source::demo::account().unwrap();
    let mut roles = d.roles.clone();
    roles.reverse();
    roles.retain(|r| r.name != "MyAppTaskRole");
    let changed = iamscope::model::Account::new(
        d.source.clone(),
        d.info.clone(),
        d.users.clone(),
        d.groups.clone(),
        roles,
        d.policies.clone(),
    );
    h.keys("<Esc>R");
    h.send(Msg::Loaded(Ok(Box::new(changed))));
    assert_eq!(selected(&h), "VendorAuditRole");
    assert_eq!(
        h.app.list(Kind::Roles).filter,
        "Vendor",
        "the filter is kept too"
    );
    h.keys("<Enter>");
    assert!(h.text().contains("role VendorAuditRole"), "{}", h.text());
    h.keys("<Esc><Esc>");
    assert_eq!(h.app.list(Kind::Roles).visible.len(), 17);
    assert_eq!(selected(&h), "VendorAuditRole");
}

#[test]
fn highlighting_arrives_later_and_stale_results_are_dropped() {
    let account = iamscope::source::demo::account().unwrap();
    let now = account.info.fetched_at.unwrap();
    let mut app = App::new("demo", now, Theme::COLOR, (120, 36));
    let fx = app.update(Msg::Loaded(Ok(Box::new(account))));
    let highlight = fx.iter().find_map(|e| match e {
        Effect::Highlight(key, text) => Some((*key, text.clone())),
        _ => None,
    });
    let (key, text) = highlight.expect("the visible document is sent to the highlighter");
    assert!(
        !app.prepared(&key).unwrap().highlighted,
        "plain text meanwhile"
    );
    let stale = (key.0 + 7, key.1);
    app.update(Msg::Highlighted(
        stale,
        iamscope::tui::Prepared::highlight(&text, Theme::COLOR),
    ));
    assert!(app.prepared(&stale).is_none());
    app.update(Msg::Highlighted(
        key,
        iamscope::tui::Prepared::highlight(&text, Theme::COLOR),
    ));
    assert!(app.prepared(&key).unwrap().highlighted);
}

#[test]
fn keys_before_the_account_loads_and_ctrl_c_anywhere() {
    let mut h = Harness::loading("demo", (120, 36), jiff::Timestamp::UNIX_EPOCH, Theme::COLOR);
    h.keys("j");
    assert!(status(&h).contains("still loading"), "{}", status(&h));
    let mut h = demo();
    h.keys("/abc<C-c>");
    assert!(h.quit, "Ctrl-C quits even from the filter prompt");
}

#[test]
fn trust_opens_for_roles_and_users() {
    let mut h = demo();
    h.keys("t");
    assert!(matches!(h.app.screen(), Screen::Trust(_)));
    assert!(h.text().contains("What alice can assume"), "{}", h.text());
    h.keys("<Esc>:roles<Enter>/MyAppTask<Enter>t");
    assert!(
        h.text().contains("Who can assume MyAppTaskRole"),
        "{}",
        h.text()
    );
    h.keys(":trust<Enter>");
    assert_eq!(h.app.depth(), 1);
    h.keys("<Enter>");
    assert!(
        matches!(h.app.screen(), Screen::Inspect(_)),
        "Enter opens the role"
    );
}

#[test]
fn help_comes_from_the_keymap_and_closes_with_esc() {
    let mut h = demo();
    h.keys("?");
    assert!(h.app.help_open());
    let text = h.text();
    for needle in [
        "filter by name, fuzzy",
        "copy the selection's ARN",
        ":trust",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    h.keys("<Esc>");
    assert!(!h.app.help_open());
}

#[test]
fn simulator_starts_as_the_selection_and_marks_the_deciding_statement() {
    let mut h = demo();
    h.keys("S");
    assert_eq!(h.app.focus(), Pane::Form);
    // Letters are typed into the form, not taken as keys (q does not quit here).
    h.keys("s3:DeleteObjectq<BS><Tab><C-u>arn:aws:s3:::my-app-prod-data/x<Enter>");
    assert!(!h.quit);
    let text = h.text();
    assert!(text.contains("DENIED (explicit deny)"), "{text}");
    let inspect = h.app.inspect().unwrap();
    assert_eq!(inspect.mark, Some(0), "the deny statement is marked");
    assert_eq!(
        h.app.documents()[inspect.doc].title,
        "group Developers: inline DenyProdDataDelete"
    );
    h.keys("<Esc>");
    assert_eq!(h.app.depth(), 1);
}

#[test]
fn explainer_takes_a_pasted_message() {
    let mut h = demo();
    h.keys(":explain<Enter>");
    h.send(Msg::Paste(
        "An error occurred (AccessDenied) when calling the DeleteObject operation: User: \
         arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:DeleteObject on\n\
         resource: \"arn:aws:s3:::my-app-prod-data/report.csv\" with an explicit deny in an \
         identity-based policy"
            .into(),
    ));
    h.keys("<Enter>");
    let text = h.text();
    assert!(text.contains("DENIED (explicit deny)"), "{text}");
    assert!(text.contains("Fix"), "{text}");
    assert_eq!(h.app.inspect().unwrap().mark, Some(0));
}
