"""Headless Chromium's flags, shared by dash_duo (tests/conftest.py) and the kiosk runs; the
wait for a kiosk's scene to have faded in; signing in to the operators' console."""

from __future__ import annotations


def chrome_options():
    """Chromium options: headless as root, no background traffic to the internet."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1920,1080",
    ):
        options.add_argument(flag)
    return options


# Resolves once the scene's own animations (its fade-in on a kiosk, assets/28_wall.css) have
# finished; not the tape's, which runs for ever.
SCENE_SHOWN_JS = """
const done = arguments[arguments.length - 1];
const scene = document.querySelector('.wb-scene');
Promise.all(scene ? scene.getAnimations().map(a => a.finished) : []).then(() => done(true));
"""


def wait_scene_shown(driver) -> None:
    """Until the scene showing has faded in: before that its text is not visible to WebDriver
    (opacity 0 reads as hidden) and its colours are not yet its own."""
    driver.execute_async_script(SCENE_SHOWN_JS)


def sign_in_to_console(dash_duo, token: str) -> None:
    """On the console's sign-in page the driver shows, sign in with `token` and wait for the
    console itself (its actions form)."""
    field = dash_duo.wait_for_element('input[name="token"]')
    field.send_keys(token)
    field.submit()
    dash_duo.wait_for_element('form[action$="/admin/action"]', timeout=10)
