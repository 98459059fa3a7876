//! The HTML key in a real browser: headless Chromium (Debian's `chromium`,
//! which `.ci/run` installs) opens the full key of `problems/` from disk.
//! The page must log no error, fetch nothing, and draw every formula and
//! every picture with a size; each problem of Q4–Q12 has a picture.
//! Screenshots for review are saved under `target/screenshots/`.
//!
//! Without Chromium the test says it was skipped, and why.

use std::path::{Path, PathBuf};
use std::process::Command;

use nnkey::check;
use nnkey::render::{self, Format, Level, Options};

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().map(|o| o.status.success()).unwrap_or(false))
}

/// Flags for a headless run that reaches nothing outside this machine.
fn headless(browser: &str, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=5000",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Runs first in the page: records errors and warnings from the console.
const PROBE_HEAD: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push('error: ' + e.message));
for (const k of ['error', 'warn']) {
  const f = console[k];
  console[k] = (...a) => { window.__errors.push(k + ': ' + a.join(' ')); f.apply(console, a); };
}
</script>"#;

/// Runs last: measures every formula and picture, lists what was fetched,
/// and writes the findings into the page for `--dump-dom` to print.
const PROBE_TAIL: &str = r#"<script>
window.addEventListener('load', () => {
  const empty = [];
  for (const el of document.querySelectorAll('math, svg')) {
    const r = el.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) {
      empty.push(el.tagName + ' in #' + (el.closest('section.problem') || {id: '?'}).id);
    }
  }
  const svgs = {};
  for (const s of document.querySelectorAll('section.problem')) {
    svgs[s.id] = s.querySelectorAll('svg').length;
  }
  const fetched = performance.getEntriesByType('resource').map(e => e.name);
  const out = document.createElement('pre');
  out.id = 'probe-result';
  out.textContent = JSON.stringify({
    errors: window.__errors, empty, fetched, svgs,
    math: document.querySelectorAll('math').length,
  });
  document.body.appendChild(out);
});
</script>"#;

fn probe(html: &str) -> String {
    let with_head = html.replacen("<head>", &format!("<head>\n{PROBE_HEAD}"), 1);
    with_head.replacen("</body>", &format!("{PROBE_TAIL}\n</body>"), 1)
}

#[test]
fn the_html_key_renders_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: Chromium is not installed (Debian: apt-get install chromium)");
        return;
    };
    let report = check::run(&[PathBuf::from("problems")]);
    assert!(!report.has_errors());
    let mut opts = Options::new(Format::Html, Level::Full);
    opts.standalone = true;
    let html = render::render(&report, &opts);
    // Nothing in the page may point outside the file.
    for needle in ["src=\"http", "href=\"http", "@import", "url(http", "<script", "<link"] {
        assert!(!html.contains(needle), "the page refers to something outside itself: {needle}");
    }

    let dir = tempfile::tempdir().expect("a folder");
    let page = dir.path().join("key.html");
    std::fs::write(&page, probe(&html)).expect("write the page");
    let out = headless(browser, &dir.path().join("profile"))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"probe-result\">").expect("the probe ran") + "<pre id=\"probe-result\">".len();
    let end = start + dom[start..].find("</pre>").expect("the probe's result");
    let text = dom[start..end].replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    let result: serde_json::Value = serde_json::from_str(&text).expect("the probe's JSON");

    assert_eq!(result["errors"], serde_json::json!([]), "console errors");
    assert_eq!(result["empty"], serde_json::json!([]), "formulas or pictures with no size");
    assert_eq!(result["fetched"], serde_json::json!([]), "the page fetched something");
    assert!(result["math"].as_u64().unwrap_or(0) > 100, "{result}");
    for q in ["q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12"] {
        let n = result["svgs"][q].as_u64().unwrap_or(0);
        assert!(n >= 1, "problem {q} has no picture");
    }

    // Screenshots for review: a laptop, a phone, and the dark scheme.
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).expect("a folder for screenshots");
    std::fs::write(dir.path().join("plain.html"), &html).expect("write the page");
    let url = format!("file://{}", dir.path().join("plain.html").display());
    for (name, size, dark) in
        [("laptop", "1280,2400", false), ("phone", "390,2400", false), ("dark", "1280,2400", true)]
    {
        let mut c = headless(browser, &dir.path().join("profile"));
        c.arg(format!("--window-size={size}"))
            .arg(format!("--screenshot={}", shots.join(format!("key-{name}.png")).display()));
        if dark {
            c.arg("--force-dark-mode").arg("--blink-settings=preferredColorScheme=0");
        }
        let out = c.arg(&url).output().expect("chromium runs");
        assert!(out.status.success(), "screenshot {name}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
