"""Take the README's screenshots of the new areas from a running demo clinic (`make run`).

    .venv/bin/python scripts/screenshots.py [--base-url http://127.0.0.1:8000] [--out docs/screenshots]

Signs in with the demo logins (demo mode: no two-factor step) in Debian's chromium.
"""

import argparse
import datetime as dt
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "ketacare-demo"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# (file name, username, path, what to wait for)
SHOTS = [
    ("calendar-week.png", "frontdesk", "/scheduling/calendar/", "text=Calendar"),
    ("ledger.png", "nurse", "/ledger/", "text=Ledger"),
    ("waitlist.png", "frontdesk", "/scheduling/waitlist/", "text=Waitlist"),
    ("outcomes.png", "admin", "/measures/dashboard/", "text=Responders"),
]


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, username, path, ready in SHOTS:
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            page = context.new_page()
            sign_in(page, args.base_url, username)
            page.goto(f"{args.base_url}{path}")
            page.wait_for_selector(ready)
            if name == "calendar-week.png":
                # The first location's week from tomorrow, when the demo's booked courses start.
                href = page.locator("a[href*='/scheduling/calendar/locations/']").first.get_attribute("href")
                tomorrow = dt.date.today() + dt.timedelta(days=1)
                page.goto(f"{args.base_url}{href}?date={tomorrow.isoformat()}&view=week")
            page.screenshot(path=str(out / name), full_page=False)
            print(f"wrote {out / name}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
