//! Snapshot tests of each main screen of the terminal UI on the demo account, drawn into a
//! ratatui `TestBackend` at fixed sizes. The clock is the demo's fetch time, so ages such as
//! "3d ago" never change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamscope::tui::harness::Harness;
use iamscope::tui::{Msg, Theme};
use ratatui::style::Color;

const WIDE: (u16, u16) = (120, 36);
const SMALL: (u16, u16) = (80, 24);

fn screen(size: (u16, u16), keys: &str) -> String {
    let mut h = Harness::demo(size).unwrap();
    h.keys(keys);
    h.text()
}

#[test]
fn first_frame_while_loading() {
    let h = Harness::loading("demo", WIDE, jiff::Timestamp::UNIX_EPOCH, Theme::COLOR);
    insta::assert_snapshot!(h.text());
}

#[test]
fn load_failure_says_how_to_start() {
    let mut h = Harness::loading("live", WIDE, jiff::Timestamp::UNIX_EPOCH, Theme::COLOR);
    h.send(Msg::Loaded(Err(
        "no AWS credentials found: name a profile with --profile NAME, or use --demo or --snapshot FILE".into(),
    )));
    insta::assert_snapshot!(h.text());
}

#[test]
fn users() {
    insta::assert_snapshot!(screen(WIDE, ""));
}

#[test]
fn roles_filtered() {
    insta::assert_snapshot!(screen(WIDE, ":roles<Enter>/task<Enter>"));
}

#[test]
fn role_with_trust_and_policy() {
    insta::assert_snapshot!(screen(WIDE, ":roles<Enter>/MyAppTask<Enter><Enter>"));
}

#[test]
fn role_inline_policy_in_plain_english() {
    insta::assert_snapshot!(screen(WIDE, ":roles<Enter>/MyAppTask<Enter><Enter>]<Tab>p"));
}

#[test]
fn user_with_group_policies() {
    insta::assert_snapshot!(screen(WIDE, "/dave<Enter><Enter>"));
}

#[test]
fn managed_policy_and_where_it_is_attached() {
    insta::assert_snapshot!(screen(WIDE, ":policies<Enter>/DeployHelpers<Enter><Enter>"));
}

#[test]
fn trust_of_a_role() {
    insta::assert_snapshot!(screen(WIDE, ":roles<Enter>/MyAppTask<Enter>t"));
}

#[test]
fn trust_of_every_role() {
    insta::assert_snapshot!(screen(WIDE, ":trust<Enter>"));
}

#[test]
fn findings() {
    insta::assert_snapshot!(screen(WIDE, ":findings<Enter>"));
}

#[test]
fn help() {
    insta::assert_snapshot!(screen(WIDE, "?"));
}

#[test]
fn roles_at_80x24() {
    insta::assert_snapshot!(screen(SMALL, ":roles<Enter>"));
}

#[test]
fn role_at_80x24() {
    insta::assert_snapshot!(screen(SMALL, ":roles<Enter>/MyAppTask<Enter><Enter>"));
}

#[test]
fn command_prompt_with_completion() {
    insta::assert_snapshot!(screen(SMALL, ":r"));
}

#[test]
fn below_the_minimum_size() {
    insta::assert_snapshot!(screen((30, 8), ""));
}

#[test]
fn small_terminal_drops_the_tabs_and_footer() {
    insta::assert_snapshot!(screen((60, 12), ":roles<Enter>"));
}

#[test]
fn policy_json_is_highlighted() {
    let mut h = Harness::demo(WIDE).unwrap();
    h.keys(":roles<Enter>/MyAppTask<Enter><Enter>");
    let policy = h.app.areas().policy.unwrap();
    let buffer = h.render();
    let colours: Vec<Color> = (policy.left()..policy.right())
        .flat_map(|x| (policy.top()..policy.bottom()).map(move |y| (x, y)))
        .filter_map(|p| buffer.cell(p))
        .map(|c| c.fg)
        .collect();
    assert!(colours.contains(&Color::Cyan), "keys are coloured");
    assert!(colours.contains(&Color::Green), "strings are coloured");
}

#[test]
fn no_color_keeps_text_and_drops_colour() {
    let mut h = Harness::demo_with(WIDE, Theme::MONO).unwrap();
    h.keys(":roles<Enter>/MyAppTask<Enter><Enter>");
    let buffer = h.render();
    for cell in buffer.content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
    let mut coloured = Harness::demo(WIDE).unwrap();
    coloured.keys(":roles<Enter>/MyAppTask<Enter><Enter>");
    assert_eq!(h.text(), coloured.text(), "the same text, without colour");
}

#[test]
fn simulator_with_a_trace() {
    insta::assert_snapshot!(screen(
        WIDE,
        "Ss3:DeleteObject<Tab><C-u>arn:aws:s3:::my-app-prod-data/x<Enter>"
    ));
}
