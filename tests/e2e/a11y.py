"""Checking a page as people with other eyes, screens and hands meet it: axe-core at two widths.

axe-core is vendored with the tests (tests/e2e/vendor/), never served by the app, and
injected only here, from an address on the app's own origin that Playwright answers itself,
so the page's strict CSP (script-src 'self') stays on while it runs.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import ARTIFACTS

AXE_FILE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# No route of the app answers here; the browser's request never reaches the server.
AXE_URL = "/__e2e__/axe-core/axe.min.js"
WIDTHS = {"desktop": 1280, "mobile": 375}
BLOCKING = ("serious", "critical")

_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""
# Wider than the window means sideways scrolling for the whole page (a table may scroll alone).
# Names the innermost elements that stick out, outside any region that scrolls by itself.
_OVERFLOW = """() => {
  const extra = document.documentElement.scrollWidth - window.innerWidth;
  if (extra <= 0) { return null; }
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map(c => "." + c).join("");
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== "visible" && p !== document.body
        && p !== document.documentElement) { return true; } } return false; };
  const out = [...document.body.querySelectorAll("*")].filter(el =>
    el.getBoundingClientRect().right > window.innerWidth + 1 && !scrolls(el));
  const inner = out.filter(el => !out.some(o => o !== el && el.contains(o)));
  return `${extra}px, because of ${inner.slice(0, 4).map(name).join(", ")}`;
}"""


# Deprecated in axe (HTML parsers forgive duplicate ids), but a label or aria reference
# pointing at the wrong one of two fields is still a real fault: checked where pages hold
# several forms (the case workspace). Any finding counts, including "needs review".
DUPLICATE_ID_RULES = ("duplicate-id", "duplicate-id-aria", "duplicate-id-active")
_RUN_DUPLICATE_IDS = """async (rules) => {
  const result = await axe.run(document, {runOnly: {type: "rule", values: rules},
                                          resultTypes: ["violations", "incomplete"]});
  return [...result.violations, ...result.incomplete].map(v => ({
    id: v.id, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""


def _serve_axe(route) -> None:
    route.fulfill(path=AXE_FILE, content_type="text/javascript")


def _load_axe(page) -> None:
    """Add axe-core to the document unless it is there already (a navigation removes it)."""
    if page.evaluate("() => typeof window.axe !== 'undefined'"):
        return
    # Routed only while the script loads: routing switches the page's HTTP cache off.
    page.route(f"**{AXE_URL}", _serve_axe)
    try:
        page.add_script_tag(url=AXE_URL)
    finally:
        page.unroute(f"**{AXE_URL}", _serve_axe)


def duplicate_ids(page) -> list[str]:
    """Ids used twice on the page as it is now (axe's duplicate-id rules), one line each."""
    _load_axe(page)
    found = page.evaluate(_RUN_DUPLICATE_IDS, list(DUPLICATE_ID_RULES))
    return [f"{v['id']}: {v['help']} — {', '.join(v['targets'])}" for v in found]


def violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    _load_axe(page)
    found = page.evaluate(_RUN_AXE)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['targets'])}"
            for v in found if v["impact"] in BLOCKING]


def audit(page, name: str) -> list[str]:
    """Screenshot the page at desktop and 375 px and check it at both; returns the problems.

    The page is resized in place (not reloaded), so a page reached by a POST is checked too.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = []
    original = page.viewport_size
    try:
        for label, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(300)  # a11y.js re-labels scroll boxes 200 ms after a resize
            page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{label}.png"), full_page=True,
                            caret="initial")
            problems += [f"{name} @{width}px: {line}" for line in violations(page)]
            overflow = page.evaluate(_OVERFLOW)
            if overflow:
                problems.append(f"{name} @{width}px: the page scrolls sideways by {overflow}")
    finally:
        page.set_viewport_size(original)
    return problems


def report(problems: list[str]) -> str:
    return f"{len(problems)} accessibility problem(s):\n  " + "\n  ".join(problems)
