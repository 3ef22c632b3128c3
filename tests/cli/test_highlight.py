"""`greenmark highlight`: a standalone, well-formed HTML page with token colours, spans and the p-value."""

from html.parser import HTMLParser

from tests.cli.conftest import assert_one_line_error, watermarked_text

VOID_ELEMENTS = {"meta", "br", "hr", "img", "link", "input"}


class TagBalance(HTMLParser):
    """Collects class attributes and fails on any unclosed or mismatched tag."""

    def __init__(self):
        super().__init__()
        self.open_tags, self.classes = [], []

    def handle_starttag(self, tag, attrs):
        self.classes += [value for name, value in attrs if name == "class"]
        if tag not in VOID_ELEMENTS:
            self.open_tags.append(tag)

    def handle_endtag(self, tag):
        assert self.open_tags.pop() == tag


def parse(page: str) -> TagBalance:
    parser = TagBalance()
    parser.feed(page)
    parser.close()
    assert parser.open_tags == []
    return parser


def test_page_colours_tokens_and_marks_the_located_span(greenmark, create_key, tmp_path, human_text):
    created = create_key("news")
    source = tmp_path / "mixed.txt"
    source.write_text(f"{human_text}\n\n{watermarked_text(created['key_id'], length=150)} <script>x</script>")
    output = tmp_path / "out.html"
    result = greenmark("highlight", source, "-o", output)
    assert result.exit_code == 0, result.output
    assert "reveals green lists" in result.stderr
    page = output.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Trusted use only" in page
    assert "watermarked" in page and created["key_id"] in page and "p-value" in page
    assert "<script>" not in page and "&lt;" in page
    classes = parse(page).classes
    assert {"green", "red", "unscored", "green in-span"} <= set(classes)
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_human_text_is_coloured_under_the_newest_active_key(greenmark, create_key, tmp_path, human_text):
    create_key("news")
    newest = create_key("other")
    output = tmp_path / "out.html"
    assert greenmark("highlight", "-", "-o", output, input=human_text).exit_code == 0
    page = output.read_text()
    assert "not watermarked" in page and f"other v1 ({newest['key_id']})" in page
    parse(page)


def test_a_bad_input_writes_nothing(greenmark, create_key, tmp_path):
    create_key("news")
    source = tmp_path / "binary.bin"
    source.write_bytes(b"\x00\x01\x02")
    (tmp_path / "pages").mkdir()
    assert_one_line_error(greenmark("highlight", source, "-o", tmp_path / "pages" / "out.html"), "binary")
    assert list((tmp_path / "pages").iterdir()) == []


def test_an_unwritable_output_is_an_input_error(greenmark, create_key, tmp_path):
    create_key("news")
    source = tmp_path / "text.txt"
    source.write_text("Some text that is long enough to be tested for a watermark, or nearly so.")
    assert_one_line_error(greenmark("highlight", source, "-o", tmp_path / "missing" / "out.html"), "cannot write")
