"""`ci-catalog site`: a static HTML catalog that reads without JavaScript and builds all or nothing."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from test_browse import GREETER, HELPED, MANIFEST, PLAIN, commit_and_tag, make_catalog

from browser import chromium, console_errors, ensure_browser, screenshot, serve
from ci_catalog.browse import site
from conftest import ROOT

# Imported here so that the tests without a browser run where selenium is not installed.
try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # pragma: no cover -- the browser tests then fail on their own fixture
    By = Select = WebDriverWait = None  # type: ignore[assignment,misc]


class Page(HTMLParser):
    """The parts of a page the tests read: tags with their attributes, and each id'd element's text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "link", "input", "br"):
            self._open.append((tag, dict(attrs).get("id")))
            if dict(attrs).get("id"):
                self.texts[dict(attrs)["id"] or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.texts[element_id] += data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return make_catalog(tmp_path / "catalog", {"greeter": GREETER, "plain": PLAIN})


def build(cli, catalog: Path, out: Path):
    return cli("site", out, "--catalog", catalog)


def read(out: Path, name: str) -> str:
    return (out / name).read_text(encoding="utf-8")


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def test_site_writes_an_index_a_page_per_component_a_stylesheet_and_a_script(
    cli, catalog: Path, tmp_path: Path
) -> None:
    result = build(cli, catalog, tmp_path / "out")
    assert result.code == 0
    assert result.out == f"wrote 3 pages to {tmp_path / 'out'}\n"
    files = sorted(path.relative_to(tmp_path / "out").as_posix() for path in (tmp_path / "out").rglob("*"))
    assert files == [
        ".ci-catalog-site",
        "components",
        "components/greeter.html",
        "components/plain.html",
        "index.html",
        "site.js",
        "style.css",
    ]


def test_index_links_each_component_with_its_summary(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    index = read(tmp_path / "out", "index.html")
    assert '<h2><a href="components/greeter.html">greeter</a></h2><p>Greets someone.</p>' in index
    assert '<h2><a href="components/plain.html">plain</a></h2><p>A plain job.</p>' in index


def test_the_snippet_in_the_html_is_what_show_prints(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    shown = json.loads(cli("show", "greeter", "--catalog", catalog, "--format", "json").out)
    page = Page(read(tmp_path / "out", "components/greeter.html"))
    assert page.texts["snippet"] == shown["snippet"]


def test_controls_that_need_javascript_are_hidden_until_it_runs(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    index = Page(read(tmp_path / "out", "index.html"))
    component = Page(read(tmp_path / "out", "components/greeter.html"))
    assert "hidden" in index.find("form", role="search")[0]
    assert all("hidden" in button for button in component.find("button"))
    assert "hidden" in component.find("p", class_="picker")[0]


def test_pages_declare_their_language_landmarks_and_labels(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    index = Page(read(tmp_path / "out", "index.html"))
    component = Page(read(tmp_path / "out", "components/greeter.html"))
    for page in (index, component):
        assert page.find("html")[0]["lang"] == "en"
        assert page.find("main", id="main") and page.find("header") and page.find("footer")
    assert index.find("label", for_="search") and index.find("input", id="search")
    assert component.find("label", for_="version") and component.find("select", id="version")
    assert component.find("nav", **{"aria-label": "Breadcrumb"})
    assert [button["data-copy"] for button in component.find("button")] == ["snippet", "example-1", "example-2"]
    assert "Copy include snippet</button>" in read(tmp_path / "out", "components/greeter.html")


def test_the_inputs_table_has_a_caption_and_scoped_headers(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    page = Page(read(tmp_path / "out", "components/greeter.html"))
    assert page.texts["inputs-caption"] == "Inputs of greeter 2.3.0"
    assert len(page.find("th", scope="col")) == 6
    assert len(page.find("th", scope="row")) == 4


def test_examples_show_their_snippet_and_rendered_jobs(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    text = read(tmp_path / "out", "components/greeter.html")
    page = Page(text)
    assert page.texts["example-2-title"] == "greet Bob on deploy"
    assert page.texts["example-2"].endswith("inputs:\n      who: bob\n      stage: deploy\n")
    assert "<pre><code>greet-bob:\n  stage: deploy\n  script:\n  - echo hello bob\n</code></pre>" in text


def test_a_page_lists_no_internal_helper_and_says_they_are_left_out(cli, tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path / "catalog", {"helped": HELPED}, manifest=None)
    build(cli, catalog, tmp_path / "out")
    jobs = read(tmp_path / "out", "components/helped.html").split('<h3 id="jobs', 1)[1].split("</section>", 1)[0]
    assert "<ul><li><code>.helped-job</code></li><li><code>helped-run</code></li></ul>" in jobs
    assert "internal-paths" not in jobs
    assert "internal helpers (<code>.…-internal-…</code>) are left out" in jobs


def test_all_text_is_html_escaped(cli, tmp_path: Path) -> None:
    hostile = MANIFEST.replace("Greets someone.", 'Greets <script>alert(1)</script> & "friends"')
    catalog = make_catalog(tmp_path / "catalog", {"greeter": GREETER}, manifest=hostile)
    build(cli, catalog, tmp_path / "out")
    for name in ("index.html", "components/greeter.html"):
        text = read(tmp_path / "out", name)
        assert "<script>alert" not in text
        assert "Greets &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;" in text


def test_no_page_loads_anything_from_outside_the_site(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    for path in (tmp_path / "out").rglob("*.*"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path
        assert "@import" not in text and "url(" not in text, path


def test_the_version_picker_offers_the_prepared_version_then_releases_newest_first(
    cli, catalog: Path, tmp_path: Path
) -> None:
    commit_and_tag(catalog, "1.0.0", "v1.10.0", "1.2.0", "2.0.0-rc.1", "2.0.0-rc.2", "nightly", "1.0")
    build(cli, catalog, tmp_path / "out")
    text = read(tmp_path / "out", "components/plain.html")
    options = Page(text).find("option")
    assert [option["value"] for option in options] == ["2.3.0", "v1.10.0", "1.2.0", "1.0.0", "2.0.0-rc.2", "2.0.0-rc.1"]
    assert [option["value"] for option in options if "selected" in option] == ["v1.10.0"]
    assert '<option value="2.3.0">2.3.0 (being prepared)</option>' in text
    assert '<option value="v1.10.0" selected>v1.10.0 (newest release)</option>' in text
    assert '<option value="2.0.0-rc.2">2.0.0-rc.2 (pre-release)</option>' in text


def panels(text: str) -> dict[str, str]:
    """Each version's panel of a component page, by version."""
    found = {}
    for part in text.split('<section class="version" data-panel="')[1:]:
        version, _, rest = part.partition('"')
        found[version] = rest
    return found


def test_each_version_shows_its_own_inputs_and_jobs_rendered_at_its_tag(cli, catalog: Path, tmp_path: Path) -> None:
    """The picker changed only the snippet's text; the inputs shown stayed the working tree's."""
    commit_and_tag(catalog, "2.2.0")
    greeter = catalog / "templates" / "greeter" / "template.yml"
    greeter.write_text(
        GREETER.replace("    times:\n", "    colour:\n      default: blue\n    times:\n").replace(
            '"$[[ inputs.prefix ]]-$[[ inputs.who ]]"', '"$[[ inputs.prefix ]]-$[[ inputs.who ]]-$[[ inputs.colour ]]"'
        ),
        encoding="utf-8",
    )
    build(cli, catalog, tmp_path / "out")
    shown = panels(read(tmp_path / "out", "components/greeter.html"))
    assert list(shown) == ["2.3.0", "2.2.0"]
    assert "<code>colour</code>" in shown["2.3.0"] and "<code>colour</code>" not in shown["2.2.0"]
    assert "<li><code>greet-ada-blue</code></li>" in shown["2.3.0"]
    assert "<li><code>greet-ada</code></li>" in shown["2.2.0"]
    assert "acme/ci/greeter@2.2.0\n" in shown["2.2.0"] and "acme/ci/greeter@2.3.0\n" in shown["2.3.0"]


def test_a_component_missing_from_a_release_says_so_in_that_version(cli, tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path / "catalog", {"plain": PLAIN})
    commit_and_tag(catalog, "2.2.0")
    make_catalog(catalog, {"greeter": GREETER}, manifest=None)
    build(cli, catalog, tmp_path / "out")
    shown = panels(read(tmp_path / "out", "components/greeter.html"))
    assert "<p>greeter is not in version 2.2.0.</p>" in shown["2.2.0"]


def test_tags_of_a_repository_that_only_contains_the_catalog_are_not_offered(
    cli, catalog: Path, tmp_path: Path
) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x")
    git(tmp_path, "tag", "9.9.9")
    build(cli, catalog, tmp_path / "out")
    page = Page(read(tmp_path / "out", "components/plain.html"))
    assert [option["value"] for option in page.find("option")] == ["2.3.0"]


def test_a_new_build_replaces_the_earlier_site_whole(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    (catalog / "templates" / "plain" / "template.yml").unlink()
    assert build(cli, catalog, tmp_path / "out").code == 0
    assert not (tmp_path / "out" / "components" / "plain.html").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["catalog", "out"]


def test_site_refuses_to_replace_a_folder_it_did_not_build(cli, catalog: Path, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("precious", encoding="utf-8")
    result = build(cli, catalog, tmp_path / "mine")
    assert result.code == 2
    assert "did not build" in result.err
    assert (tmp_path / "mine" / "thesis.txt").read_text(encoding="utf-8") == "precious"


def test_site_refuses_to_replace_a_folder_that_holds_the_catalog(cli, catalog: Path, tmp_path: Path) -> None:
    git(catalog, "init", "-q")
    assert build(cli, catalog, tmp_path / "public").code == 0
    catalog.rename(tmp_path / "public" / "catalog")
    moved = tmp_path / "public" / "catalog"
    result = build(cli, moved, tmp_path / "public")
    assert result.code == 2
    assert f"{tmp_path / 'public'} holds the catalog {moved}" in result.err
    assert (moved / ".git").is_dir() and (moved / "templates" / "greeter" / "template.yml").is_file()


def test_site_refuses_to_replace_its_own_folder_once_it_holds_other_files(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    (tmp_path / "out" / "notes").mkdir()
    (tmp_path / "out" / "notes" / "thesis.txt").write_text("precious", encoding="utf-8")
    result = build(cli, catalog, tmp_path / "out")
    assert result.code == 2
    assert "holds files an earlier `ci-catalog site` did not write (notes/thesis.txt)" in result.err
    assert (tmp_path / "out" / "notes" / "thesis.txt").read_text(encoding="utf-8") == "precious"


def test_site_replaces_a_site_an_older_version_built_without_a_file_list(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    old_marker = "Built by `ci-catalog site`; the next build replaces this folder whole.\n"
    (tmp_path / "out" / site.SITE_MARKER).write_text(old_marker, encoding="utf-8")
    assert build(cli, catalog, tmp_path / "out").code == 0


def test_site_through_a_link_rebuilds_the_folder_it_names_and_keeps_the_link(
    cli, catalog: Path, tmp_path: Path
) -> None:
    build(cli, catalog, tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (catalog / "catalog.yml").write_text(MANIFEST.replace("Greets someone.", "Greets all."), encoding="utf-8")
    result = build(cli, catalog, tmp_path / "link")
    assert result.code == 0, result.err
    assert (tmp_path / "link").is_symlink() and (tmp_path / "link").resolve() == tmp_path / "real"
    assert "Greets all." in read(tmp_path / "real", "index.html")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["catalog", "link", "real"]


def test_what_a_killed_build_staged_is_removed_by_the_next_build(cli, catalog: Path, tmp_path: Path) -> None:
    build(cli, catalog, tmp_path / "out")
    # A real `site` run, killed by SIGKILL while it writes its staging folder.
    killed = (
        "import os, signal, sys\n"
        "import ci_catalog.writing as writing\n"
        "writing._write_file = lambda *args: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from ci_catalog.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    done = subprocess.run([sys.executable, "-c", killed, "site", str(tmp_path / "out"), "--catalog", str(catalog)])
    assert done.returncode == -signal.SIGKILL
    assert len([path for path in tmp_path.iterdir() if path.name.startswith(".out.")]) == 1
    assert build(cli, catalog, tmp_path / "out").code == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["catalog", "out"]


def test_a_failed_build_leaves_the_old_site_and_no_temporary_folder(
    cli, catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cli, catalog, tmp_path / "out")
    before = read(tmp_path / "out", "index.html")
    (catalog / "catalog.yml").write_text(MANIFEST.replace("Greets someone.", "Greets all."), encoding="utf-8")
    replace_tree = site.replace_tree

    def break_halfway(out: Path, files: dict[str, str]) -> None:
        replace_tree(out, {**files, "zz-last.html": None})  # type: ignore[dict-item] -- fails on the last file

    monkeypatch.setattr(site, "replace_tree", break_halfway)
    result = build(cli, catalog, tmp_path / "out")
    assert result.code == 3
    assert read(tmp_path / "out", "index.html") == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["catalog", "out"]


def test_site_writes_nothing_when_a_component_cannot_be_rendered(cli, catalog: Path, tmp_path: Path) -> None:
    (catalog / "templates" / "plain" / "template.yml").write_text("spec:\n  inputs: [x]\n---\nj: {script: [x]}\n")
    result = build(cli, catalog, tmp_path / "out")
    assert result.code == 1
    assert "no site written" in result.err
    assert not (tmp_path / "out").exists()


def test_the_stylesheet_and_script_ship_inside_the_package() -> None:
    from importlib import resources

    assets = resources.files("ci_catalog.browse.site_assets")
    assert {name for name in site.ASSETS if assets.joinpath(name).is_file()} == {"style.css", "site.js"}


# ----- in a browser: headless Chromium on the site served from 127.0.0.1 -----


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """This repository's catalog plus a tagged test catalog, built and served; yields (url, test catalog)."""
    from ci_catalog.cli import main

    ensure_browser()
    folder = tmp_path_factory.mktemp("site")
    catalog = make_catalog(folder / "catalog", {"greeter": GREETER, "plain": PLAIN})
    commit_and_tag(catalog, "1.0.0", "v2.0.0")
    assert main(["site", str(folder / "www" / "test"), "--catalog", str(catalog)]) == 0
    assert main(["site", str(folder / "www" / "real"), "--catalog", str(ROOT)]) == 0
    with serve(folder / "www", folder / "server.log") as server:
        yield server.url, catalog


@pytest.fixture(scope="module")
def driver(served_site: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("profile")) as driver:
        url = served_site[0]
        # The async clipboard needs the permission a user would give; readText lets the test see it.
        permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
        driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": url, "permissions": permissions})
        yield driver


def clipboard(driver: Any) -> str:
    return driver.execute_async_script("const done = arguments[0]; navigator.clipboard.readText().then(done);")


def visible_components(driver: Any) -> list[str]:
    items = driver.find_elements(By.CSS_SELECTOR, "#component-list li")
    return [item.get_attribute("data-component") for item in items if item.is_displayed()]


@pytest.mark.browser
@pytest.mark.parametrize(
    "page",
    [
        "real/index.html",
        "real/components/deps-image.html",
        "real/components/poetry-test.html",
        "real/components/pypi-publish.html",
        "real/components/uv-cache.html",
    ],
)
def test_every_page_loads_without_a_console_error(driver: Any, served_site: tuple[str, Path], page: str) -> None:
    console_errors(driver)  # start from an empty log
    driver.get(f"{served_site[0]}/{page}")
    assert driver.find_element(By.TAG_NAME, "h1").text
    screenshot(driver, page.replace("/", "-").removesuffix(".html"))
    assert console_errors(driver) == []


@pytest.mark.browser
def test_search_filters_the_component_list_as_you_type(driver: Any, served_site: tuple[str, Path]) -> None:
    driver.get(f"{served_site[0]}/real/index.html")
    search = driver.find_element(By.ID, "search")
    assert visible_components(driver) == ["deps-image", "poetry-test", "pypi-publish", "uv-cache"]
    search.send_keys("poetry")
    assert visible_components(driver) == ["poetry-test"]
    assert driver.find_element(By.ID, "search-count").text == "1 of 4 components shown"
    search.send_keys(" zebra")
    assert visible_components(driver) == []
    assert driver.find_element(By.ID, "no-match").is_displayed()
    screenshot(driver, "search-no-match")
    search.clear()
    search.send_keys("BUILDAH")
    assert visible_components(driver) == ["deps-image"]


@pytest.mark.browser
def test_the_copy_button_copies_the_snippet_show_prints(cli, driver: Any, served_site: tuple[str, Path]) -> None:
    url, catalog = served_site
    driver.get(f"{url}/test/components/greeter.html")
    driver.find_element(By.CSS_SELECTOR, "button[data-copy=snippet]").click()
    WebDriverWait(driver, 5).until(lambda d: d.find_element(By.ID, "snippet-status").text == "Copied.")
    screenshot(driver, "copied")
    shown = cli("show", "greeter", "--catalog", catalog).out
    assert shown.endswith("usage:\n" + clipboard(driver))
    assert (
        clipboard(driver)
        == "include:\n  - component: $CI_SERVER_FQDN/acme/ci/greeter@v2.0.0\n    inputs:\n      who: ada\n"
    )


def shown_panels(driver: Any) -> list[str]:
    return [
        panel.get_attribute("data-panel")
        for panel in driver.find_elements(By.CSS_SELECTOR, "[data-panel]")
        if panel.is_displayed()
    ]


@pytest.mark.browser
def test_the_version_picker_shows_the_chosen_version_only(driver: Any, served_site: tuple[str, Path]) -> None:
    driver.get(f"{served_site[0]}/test/components/plain.html")
    picker = Select(driver.find_element(By.ID, "version"))
    assert [option.get_attribute("value") for option in picker.options] == ["2.3.0", "v2.0.0", "1.0.0"]
    assert shown_panels(driver) == ["v2.0.0"]
    picker.select_by_value("1.0.0")
    assert shown_panels(driver) == ["1.0.0"]
    assert driver.find_element(By.ID, "snippet-v2").text.endswith("/acme/ci/plain@1.0.0")
    driver.find_element(By.CSS_SELECTOR, "button[data-copy=snippet-v2]").click()
    WebDriverWait(driver, 5).until(lambda d: d.find_element(By.ID, "snippet-v2-status").text == "Copied.")
    screenshot(driver, "version-picked")
    assert clipboard(driver) == "include:\n  - component: $CI_SERVER_FQDN/acme/ci/plain@1.0.0\n"


@pytest.mark.browser
def test_without_javascript_the_page_shows_the_snippet_and_no_dead_controls(
    served_site: tuple[str, Path], tmp_path: Path
) -> None:
    with chromium(tmp_path / "profile", javascript=False) as driver:
        driver.get(f"{served_site[0]}/test/components/plain.html")
        screenshot(driver, "no-javascript")
        assert (
            driver.find_element(By.ID, "snippet").text
            == "include:\n  - component: $CI_SERVER_FQDN/acme/ci/plain@v2.0.0"
        )
        assert shown_panels(driver) == ["2.3.0", "v2.0.0", "1.0.0"]  # every version, one below the other
        assert not any(button.is_displayed() for button in driver.find_elements(By.TAG_NAME, "button"))
        assert not driver.find_element(By.ID, "version").is_displayed()
        driver.get(f"{served_site[0]}/test/index.html")
        assert not driver.find_element(By.ID, "search").is_displayed()
        assert visible_components(driver) == ["greeter", "plain"]
