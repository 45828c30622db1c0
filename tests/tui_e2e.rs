//! End to end: the real binary in a real terminal (tmux). Opens the demo, jumps to the roles,
//! filters to one, opens it, sees its trust and its highlighted policy, goes back, quits, and
//! checks that the terminal is restored (alternate screen off, shell prompt back).
//!
//! Needs `tmux` (Debian/Ubuntu: `apt-get install -y tmux`; `scripts/test.sh` installs it).
//! Without it this test fails: a skipped end-to-end test would hide a broken UI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of our own (its own socket), killed when the test ends however it ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, width: u16, height: u16, shell: &str) -> Tmux {
        let version = Command::new("tmux").arg("-V").output();
        assert!(
            version.as_ref().is_ok_and(|o| o.status.success()),
            "tmux is required for the end-to-end test of the terminal UI: apt-get install -y tmux ({version:?})"
        );
        let t = Tmux {
            socket: format!("iamscope-e2e-{name}-{}", std::process::id()),
        };
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            shell,
        ]);
        assert!(out.status.success(), "{out:?}");
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "{out:?}");
    }

    /// Types text literally (no key-name lookup).
    fn type_text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", "e2e", "-l", text]);
        assert!(out.status.success(), "{out:?}");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// The screen with colour escapes.
    fn screen_styled(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-e", "-t", "e2e"]).stdout)
            .into_owned()
    }

    fn alternate_screen(&self) -> bool {
        let out = self.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen is:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("`{text}`"), |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The id of a running process with `arg` among its arguments (Linux `/proc`).
fn process_with_arg(arg: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            cmdline
                .split(|b| *b == 0)
                .any(|a| a == arg.as_bytes())
                .then_some(pid)
        })
}

#[test]
fn demo_roles_filter_open_back_quit_restores_the_terminal() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let shell = format!(
        "env -u NO_COLOR TERM=xterm-256color IAMSCOPE_LOG={} PS1='e2e$ ' sh",
        log.path().display()
    );
    let tmux = Tmux::start("demo", 120, 36, &shell);
    tmux.wait_for_text("e2e$");
    assert!(!tmux.alternate_screen());

    let bin = env!("CARGO_BIN_EXE_iamscope");
    tmux.type_text(&format!("{bin} --demo; echo \"exited with $?\""));
    tmux.send(&["Enter"]);
    tmux.wait_for_text("account 123456789012");
    assert!(
        tmux.alternate_screen(),
        "the UI runs on the alternate screen"
    );
    // The analysis (trust graph, findings) runs after the first frames; the header shows its
    // summary when it is done.
    tmux.wait_for_text("│ risk ");

    tmux.type_text(":roles");
    tmux.send(&["Enter"]);
    tmux.wait_for_text("Roles 18/18");

    tmux.type_text("/MyAppTask");
    tmux.wait_for_text("Roles 1/18");
    tmux.send(&["Enter"]);
    tmux.send(&["Enter"]);
    // The breadcrumbs end in the role once it is open.
    let screen = tmux.wait_for_text("Roles /MyAppTask › MyAppTaskRole");
    assert!(screen.contains("Trusted by"), "{screen}");
    assert!(
        screen.contains("service ecs-tasks.amazonaws.com"),
        "its trust is shown:\n{screen}"
    );
    assert!(screen.contains("policy 1/2: trust policy"), "{screen}");
    assert!(screen.contains("\"sts:AssumeRole\""), "{screen}");
    // The JSON is highlighted: its keys carry a colour escape (tmux writes cyan as 36 or
    // 38;5;6 depending on the outer terminal).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let styled = tmux.screen_styled();
        let line = styled
            .lines()
            .find(|l| l.contains("Version"))
            .unwrap_or_default()
            .to_owned();
        if line.contains("\u{1b}[36m\"Version\"") || line.contains("\u{1b}[38;5;6m\"Version\"") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the policy is not highlighted: {line:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    assert!(
        !screen.contains("Roles 1/18"),
        "the list is not shown when drilled in"
    );
    tmux.send(&["Escape"]);
    tmux.wait_for_text("Roles 1/18");

    // Narrower than 100 columns the list stands alone; the UI follows a resize at once.
    let out = tmux.run(&["resize-window", "-t", "e2e", "-x", "80", "-y", "24"]);
    assert!(out.status.success(), "{out:?}");
    tmux.wait_for("the narrow layout", |s| {
        s.contains("Roles 1/18") && !s.contains("detail")
    });

    tmux.type_text("q");
    let screen = tmux.wait_for_text("exited with 0");
    assert!(!tmux.alternate_screen(), "the alternate screen is left");
    assert!(
        screen.lines().any(|l| l.starts_with("e2e$")),
        "the shell prompt is back:\n{screen}"
    );
    // Raw mode is off: typed text echoes and a command runs.
    tmux.type_text("echo cooked-$((40+2))");
    tmux.send(&["Enter"]);
    tmux.wait_for_text("cooked-42");
    let log = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        log.contains("iamscope ui starting"),
        "logs go to the file: {log}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let shell = "env -u NO_COLOR TERM=xterm-256color IAMSCOPE_LOG=/dev/null PS1='e2e$ ' sh";
    let tmux = Tmux::start("sigterm", 100, 30, shell);
    tmux.wait_for_text("e2e$");
    let bin = env!("CARGO_BIN_EXE_iamscope");
    // `--region` marks this process so the test finds it (the demo ignores the region).
    tmux.type_text(&format!(
        "{bin} --demo --region e2e-sigterm; echo \"exited with $?\""
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for_text("account 123456789012");
    assert!(tmux.alternate_screen());
    let pid = process_with_arg("e2e-sigterm").expect("the UI process is running");
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tmux.wait_for_text("exited with 0");
    assert!(!tmux.alternate_screen(), "the alternate screen is left");
    tmux.type_text("echo cooked-$((40+2))");
    tmux.send(&["Enter"]);
    tmux.wait_for_text("cooked-42");
}
