"""``greenmark highlight``: a standalone HTML page colouring a text's green and red tokens and its watermarked spans.

The page reveals green lists, so it is for trusted eyes only; the command says so, and so does the page.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import click

from greenmark.cli.common import (
    Document,
    check_output_path,
    max_input_bytes_option,
    note,
    quiet_option,
    tenant_keyring,
    tenant_option,
    write_atomically,
)
from greenmark.display_names import display_name
from greenmark.watermark import DEFAULT_ALPHA, DetectionResult, canonicalize
from greenmark.watermark.marks import TokenMark

WARNING = (
    "Trusted use only: this page shows which tokens are green under a secret watermark key. Anyone who sees it "
    "learns part of that key's green lists and could use them to forge or scrub the watermark. Do not publish it."
)
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; line-height: 1.5; }
.warning { background: #fff3cd; border: 1px solid #e0b000; padding: .75rem 1rem; border-radius: .4rem; }
table.summary td, table.summary th { text-align: left; padding: .1rem 1rem .1rem 0; }
.text { white-space: pre-wrap; font-family: ui-monospace, monospace; border: 1px solid #ccc; padding: 1rem; }
.green { background: #b7f0b1; } .red { background: #f6c1c1; }
.repeated { background: #e4e4e4; color: #555; } .unscored { color: #777; }
.in-span { box-shadow: inset 0 -3px 0 #1f5fd1; }
.legend span { padding: 0 .3rem; margin-right: .5rem; }
"""


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (replaced atomically, mode 0600).",
)
@tenant_option("Tenant whose keys are tested.")
@click.option(
    "--key-id",
    default=None,
    show_default="the key that matched, else the newest active key",
    help="Colour the tokens under this key version.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_ALPHA,
    help="Family-wise false-positive rate, over every key and window tested.",
)
@max_input_bytes_option("a larger FILE is an error (exit status 2)")
@quiet_option
def highlight(file, output, tenant, key_id, alpha, max_input_bytes, quiet) -> None:
    """Write an HTML page colouring a text's green and red tokens.

    The page shows FILE (- for stdin) with every token coloured under one key, the located
    watermarked spans and the p-value. It reveals the key's green lists: trusted use only.
    """
    check_output_path(output)
    document = Document.from_path(file, max_input_bytes)
    keyring = tenant_keyring(tenant, quiet=quiet)
    result = keyring.detect(document.text, spans=True, alpha=alpha)
    shown = keyring.key_to_show(result, key_id)
    marks = keyring.token_marks(document.text, shown.key_id)
    label = keyring.label(shown.key_id)
    names = {key: f"{stored.name} v{stored.version}" for key, stored in keyring.stored.items()}
    page = render_page(document.name, canonicalize(document.text).text, marks, result, label, names)
    write_atomically(output, page)
    written = display_name(str(output))
    click.echo(f"warning: {written} reveals green lists of key {label}: share it only with trusted people.", err=True)
    note(f"{document.name}: {result.decision.replace('_', ' ')} (p = {result.p_value:.3g}); wrote {written}", quiet)


def render_page(
    name: str, text: str, marks: tuple[TokenMark, ...], result: DetectionResult, key_label: str, key_names: dict
) -> str:
    """The standalone HTML page (inline CSS, no scripts) of the canonical ``text``, its token marks and ``result``.

    >>> from greenmark.watermark import WatermarkKey, WatermarkSpec, Detector
    >>> result = Detector(WatermarkSpec(vocab_size=10), [WatermarkKey.generate()]).detect_tokens([1, 2])
    >>> page = render_page("a<b>", "hi", (TokenMark(0, 2, True, False),), result, "k", {})
    >>> '<span class="red" title="red">hi</span>' in page and "a&lt;b&gt;" in page
    True
    """
    matched = key_names.get(result.key_id, "-") if result.key_id else "-"
    rows = [
        ("Verdict", result.decision.replace("_", " ")),
        ("p-value", f"{result.p_value:.3g} (corrected for {result.num_hypotheses} tests; alpha = {result.alpha:g})"),
        ("z-score", f"{result.z_score:.2f}"),
        ("Scored tokens", f"{result.num_scored_tokens} ({result.num_green_tokens} green, {result.green_fraction:.0%})"),
        ("Matched key", f"{matched} ({result.key_id})" if result.key_id else "-"),
        ("Scheme", result.scheme or "-"),
        ("Colours under key", key_label),
        ("Normalised", ", ".join(result.normalizations) or "-"),
    ]
    summary = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    spans = "".join(
        f"<li>characters {span.start_char}&ndash;{span.end_char}: p = {span.p_value:.3g}, z = {span.z_score:.2f}, "
        f"{span.num_green_tokens}/{span.num_scored_tokens} green, key {escape(key_names.get(span.key_id, span.key_id))}"
        "</li>"
        for span in result.spans
    )
    legend = "".join(
        f'<span class="{css}">{escape(text)}</span>'
        for css, text in (
            ("green", "green"),
            ("red", "red"),
            ("repeated", "repeated (counted once)"),
            ("unscored", "unscored (no full context)"),
            ("in-span", "inside a located span"),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>greenmark: {escape(name)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<p class="warning">{escape(WARNING)}</p>\n<h1>{escape(name)}</h1>\n'
        f'<table class="summary">{summary}</table>\n<p class="legend">{legend}</p>\n'
        f"<h2>Located spans</h2>\n{f'<ol>{spans}</ol>' if spans else '<p>None.</p>'}\n"
        f'<h2>Text</h2>\n<div class="text">{_marked_text(text, marks, result)}</div>\n</body>\n</html>\n'
    )


def token_status(mark: TokenMark) -> str:
    """``green`` or ``red`` (scored), ``repeated`` (its pair occurred before: counted once), or ``unscored``.

    >>> token_status(TokenMark(0, 3, scored=False, green=True))
    'repeated'
    """
    if mark.green is None:
        return "unscored"
    if not mark.scored:
        return "repeated"
    return "green" if mark.green else "red"


def _marked_text(text: str, marks: tuple[TokenMark, ...], result: DetectionResult) -> str:
    """``text`` with one ``<span>`` per token; a character split over several tokens goes to the first."""
    spans = [(span.start_char, span.end_char) for span in result.spans]
    parts, cursor = [], 0
    for mark in marks:
        start = max(mark.start_char, cursor)
        if mark.end_char <= start:
            continue
        parts.append(escape(text[cursor:start]))
        status = token_status(mark)
        inside = any(first <= mark.start_char and mark.end_char <= last for first, last in spans)
        css = f"{status} in-span" if inside else status
        parts.append(f'<span class="{css}" title="{status}">{escape(text[start : mark.end_char])}</span>')
        cursor = mark.end_char
    parts.append(escape(text[cursor:]))
    return "".join(parts)
