"""axe-core (vendored in tests/browser/vendor/) run against a Playwright page."""

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"


@cache
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now and return its violations (every impact).

    Our pages send a Content-Security-Policy with nonces, so a `<script>` tag added by
    `page.add_script_tag` would be refused. `page.evaluate` runs over the DevTools protocol, which the
    policy does not govern, so axe is injected that way and the page keeps its real policy while tested.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map((violation) => ({
                id: violation.id,
                impact: violation.impact,
                help: violation.help,
                nodes: violation.nodes.map((node) => node.target.join(" ") + " :: " + node.failureSummary),
            }));
        }"""
    )


def describe(violations: list[dict]) -> str:
    """The violations as readable lines for an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node}" for node in violation["nodes"][:5]]
    return "\n".join(lines)
