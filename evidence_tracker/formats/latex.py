r"""LaTeX in BibTeX values to plain text, or to an allow-listed HTML fragment for titles.

pylatexenc does the decoding, but its walker takes ~40 µs a character and grows a string
one character at a time (a 1.6 MB field took ~55 s, a 5 MB one never finished). So a
value is cut into words first, at the spaces where a cut changes nothing (outside formulas
and macro arguments), and only the words with LaTeX in them go to pylatexenc, each on its
own; text and plain ``{protected}`` groups are copied (without the braces). The time is
linear in the value's length. A piece that cannot be cut at a space by :data:`HARD`
characters (one very long argument, formula or word) is cut anyway, closing the open
groups and formulas and reopening them in the next piece. pylatexenc reads at most
:data:`BUDGET` characters a file (remembering short words it has seen); LaTeX beyond that
(only hostile files have so much) is decoded crudely: commands dropped, braces removed.

Math is rendered as text: sub- and superscripts become ``<sub>``/``<sup>`` in the markup
and vanish into the text (``DNA$_{\textrm{2}}$`` is "DNA2"), ``\alpha`` is "α".

>>> to_text(r"DNA$_{\textrm{2}}$ and H$_2$O, 10$^{-3}$ M")
'DNA2 and H2O, 10-3 M'
>>> to_markup(r"\emph{In vivo} DNA$_{\textrm{2}}$ -- p < 0.05 \& more")
'<i>In vivo</i> DNA<sub>2</sub> – p &lt; 0.05 &amp; more'
>>> to_text("Pain & Therapy ~ {Ketamine}")
'Pain & Therapy \xa0 Ketamine'
>>> to_text(r"A lost argument: \emph"), to_text(r"\url{https://doi.org/10.1/x_y}")
('A lost argument: ', 'https://doi.org/10.1/x_y')
"""

from __future__ import annotations

import functools
import html
import logging
import re
import unicodedata
from typing import Any

from pylatexenc import latex2text, latexwalker, macrospec

# pylatexenc logs a warning for every odd construct it reads tolerantly (a macro without
# its argument ...): noise on the command line, where warnings are shown.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)

__all__ = ["BUDGET", "HARD", "Decoder", "pieces", "to_markup", "to_text"]

#: A piece that cannot be cut at a space is cut anyway (closing and reopening its groups)
#: at this many characters.
HARD = 4_000
#: How many characters of a file pylatexenc reads at most (~40 µs each): ~8 s.
BUDGET = 200_000
#: Pieces up to this long (words) are decoded once and remembered.
_CACHED = 64

#: Markers the decoder writes around formatted text; they become tags or vanish.
_MARKS = {
    "\ue000": "<sub>", "\ue001": "</sub>",
    "\ue002": "<sup>", "\ue003": "</sup>",
    "\ue004": "<i>", "\ue005": "</i>",
    "\ue006": "<b>", "\ue007": "</b>",
}
_MARK = re.compile("[\ue000-\ue007]")
_FORMATS = {
    "textsubscript": ("\ue000", "\ue001"),
    "textsuperscript": ("\ue002", "\ue003"),
    "textit": ("\ue004", "\ue005"),
    "emph": ("\ue004", "\ue005"),
    "mathit": ("\ue004", "\ue005"),
    "textbf": ("\ue006", "\ue007"),
    "mathbf": ("\ue006", "\ue007"),
    "url": ("", ""),
}

#: What pylatexenc would change; a piece without any of it is already text.
_ACTIVE = re.compile(r"[\\{}$%~&]|--|``|''|!`|\?`")
#: The same in text between groups and commands.
_ACTIVE_TEXT = re.compile(r"[~&]|--|``|''|!`|\?`")
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_CRUDE_ACCENT = re.compile(r"""\\(['`^"~=.]|[uvHckr](?=[\s{]))\s*(?:\{([A-Za-z])\}|([A-Za-z]))""")
_CRUDE = re.compile(r"\\(?:[A-Za-z]+\s*|([^A-Za-z]))|[{}$]", re.S)
#: Where the group and math structure can change (``_``/``^`` matter in math only).
_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|[{}$%_^]", re.S)
#: A space that may end a piece: after a word, before a word that is no argument.
_SPACE = re.compile(r"\S(\s+)(?=[^\s\[])")
#: Characters that a cut must not separate (``--``, ``''``, ``~``, ``&`` ...).
_GLUED = frozenset("-`'!?~&")
#: The argument of ``_``/``^`` when it is not a group: one control sequence or character.
_SCRIPT_ARG = re.compile(r"\s*(\\(?:[A-Za-z]+|.)|[^\s{}\\$%])", re.S)
_GROUP_NEXT = re.compile(r"\s*\{")


@functools.cache
def _walker_context() -> Any:
    db = latexwalker.get_default_latex_context_db()
    db.add_context_category("evidence-tracker", prepend=True, macros=[
        macrospec.MacroSpec("textsubscript", "{"),
        macrospec.MacroSpec("textsuperscript", "{"),
        macrospec.MacroSpec("mathit", "{"),
        macrospec.MacroSpec("mathbf", "{"),
    ])
    return db


@functools.cache
def _decoder() -> Any:
    db = latex2text.get_default_latex_context_db()
    db.add_context_category("evidence-tracker", prepend=True, macros=[
        latex2text.MacroTextSpec(name, simplify_repl=_wrapper(*marks))
        for name, marks in _FORMATS.items()
    ], specials=[latex2text.SpecialsTextSpec("&", "&")])
    return latex2text.LatexNodes2Text(latex_context=db, math_mode="text",
                                      keep_braced_groups=False)


def _wrapper(before: str, after: str) -> Any:
    """The text of a formatting macro: its argument between two markers (a "%s" template
    would print "%s" for a macro that lost its argument)."""
    def text(node: Any, l2tobj: Any) -> str:
        args = node.nodeargd.argnlist if node.nodeargd and node.nodeargd.argnlist else []
        inner = "".join(l2tobj.nodelist_to_text([arg]) for arg in args if arg is not None)
        return before + inner + after if inner else ""
    return text


def _decode_piece(piece: str) -> str:
    if not _ACTIVE.search(piece):
        return piece
    walker = latexwalker.LatexWalker(piece, latex_context=_walker_context(),
                                     tolerant_parsing=True)
    try:
        nodes = walker.get_latex_nodes()[0]
        return str(_decoder().nodelist_to_text(nodes))
    except Exception:  # pylatexenc raises assorted errors on odd input: keep the source
        return piece


class _Cutter:
    """Cuts a value into pieces that decode on their own (see the module's docstring)."""

    def __init__(self, hard: int) -> None:
        self.hard = hard
        self.done: list[tuple[str, bool]] = []
        self.cur: list[str] = []
        self.size = 0
        self.active = False  # the current piece holds more than text and plain groups
        #: Open groups and formulas: (closer, opener, is math, is an argument), innermost last.
        self.stack: list[tuple[str, str, bool, bool]] = []
        self.math = 0  # how many of them are formulas
        self.args = 0  # how many are a macro's argument (a cut there would lose the macro)

    def add(self, text: str, active: bool = False) -> None:
        if text:
            self.cur.append(text)
            self.size += len(text)
            self.active = self.active or active

    def cut(self) -> None:
        closers = "".join(entry[0] for entry in reversed(self.stack))
        self.done.append(("".join(self.cur) + closers, self.active))
        self.cur = [entry[1] for entry in self.stack]
        self.size = sum(len(o) for o in self.cur)
        self.active = bool(self.math or self.args)

    def gap(self, text: str, after_word: bool) -> None:
        """Text between two tokens: nothing in it opens or closes a group. Cut at every
        space where a cut changes nothing (so that LaTeX words are decoded apart from
        plain ones), and anywhere once the piece is :attr:`hard` long."""
        start = 0
        if not (self.math or self.args):
            for space in _SPACE.finditer(text):
                piece = text[start:space.end(1)]
                self.add(piece, _ACTIVE_TEXT.search(piece) is not None)
                start = space.end(1)
                self.cut()
        while len(text) - start + self.size >= self.hard:
            at = max(start + self.hard - self.size, start + 1 if after_word else start)
            while at < len(text) and (text[at] in _GLUED or text[at - 1] in _GLUED):
                at += 1
            piece = text[start:at]
            self.add(piece, _ACTIVE_TEXT.search(piece) is not None)
            start = at
            self.cut()
        piece = text[start:]
        self.add(piece, _ACTIVE_TEXT.search(piece) is not None)

    def push(self, closer: str, opener: str, math: bool = False, arg: bool = False) -> None:
        self.stack.append((closer, opener, math, arg))
        self.math += math
        self.args += arg
        self.add(opener, math or arg)

    def protect(self) -> None:
        """No cut inside the innermost group from here on (a switch like ``\\bf`` in it)."""
        closer, opener, math, _ = self.stack.pop()
        self.stack.append((closer, opener, math, True))
        self.args += 1
        self.active = True

    def pop(self, closer: str) -> tuple[bool, bool]:
        """Close the innermost group if ``closer`` closes it: (closed, it was an argument)."""
        if self.stack and self.stack[-1][0] == closer:
            _, _, math, arg = self.stack.pop()
            self.math -= math
            self.args -= arg
            self.add(closer, math or arg)
            return True, arg
        return False, False


def pieces(value: str, hard: int = HARD) -> list[tuple[str, bool]]:
    r"""``value`` cut into pieces that decode on their own, each with whether it needs
    pylatexenc (more than text and plain groups); math scripts are rewritten as
    ``\textsubscript``/``\textsuperscript``.

    >>> pieces(r"A {CRPS} trial of ket{\'a}mine")
    [('A {CRPS} trial ', False), ('of ', False), ("ket{\\'a}mine", True)]
    >>> pieces("$x_2^{n}$")
    [('$x\\textsubscript{2}\\textsuperscript{n}$', True)]
    """
    cutter = _Cutter(hard)
    pos = 0
    after_word = False
    argument = False  # a "{" now opens a macro's argument
    while pos < len(value):
        match = _TOKEN.search(value, pos)
        end_gap = match.start() if match else len(value)
        text = value[pos:end_gap]
        cutter.gap(text, after_word)
        if match is None:
            break
        if argument and text and not text.isspace():
            argument = False
        if cutter.size >= cutter.hard:
            cutter.cut()
        token = match.group()
        pos = match.end()
        after_word = token[0] == "\\" and token[1:].isalpha()
        was_argument, argument = argument, after_word
        if after_word and cutter.stack and not cutter.stack[-1][3]:
            cutter.protect()  # "{\bf x y}": the switch holds to the group's end
        if token == "%":  # a comment runs to the end of its line
            newline = value.find("\n", pos)
            newline = len(value) if newline < 0 else newline + 1
            comment = value[pos:newline]
            while True:
                room = max(cutter.hard - cutter.size, 1)
                cutter.add("%" + comment[:room], True)
                comment = comment[room:]
                if not comment:
                    break
                cutter.cut()
            pos = newline
        elif token == "{":
            cutter.push("}", "{", arg=was_argument)
        elif token == "}":
            closed, argument = cutter.pop("}")  # a macro's next argument may follow
            if not closed:
                cutter.add(token, True)
        elif token == "$":
            if value.startswith("$", pos) and not (cutter.stack and cutter.stack[-1][0] == "$"):
                pos += 1
                if not cutter.pop("$$")[0]:
                    cutter.push("$$", "$$", math=True)
            elif not cutter.pop("$")[0]:
                cutter.push("$", "$", math=True)
        elif token in (r"\(", r"\["):
            cutter.push(r"\)" if token == r"\(" else r"\]", token, math=True)
        elif token in (r"\)", r"\]"):
            if not cutter.pop(token)[0]:
                cutter.add(token, True)
        elif token in ("_", "^") and cutter.math:
            macro = r"\textsubscript" if token == "_" else r"\textsuperscript"
            arg = _SCRIPT_ARG.match(value, pos)
            if arg is not None:
                cutter.add(macro + "{" + arg.group(1) + "}", True)
                pos = arg.end()
            elif _GROUP_NEXT.match(value, pos):
                cutter.add(macro, True)
                argument = True
        else:
            cutter.add(token, token not in ("_", "^"))
    cutter.done.append(("".join(cutter.cur), cutter.active))
    return [(p, active) for p, active in cutter.done if p]


def _crude(piece: str) -> str:
    r"""Text of LaTeX without pylatexenc, for what is over the budget: accents applied,
    other commands dropped, escaped characters kept, braces and dollars dropped.

    >>> _crude(r"M{\"u}nchen, Ket{\'a}mine \v{c} \emph{x} 50\%")
    'München, Ketámine č x 50%'
    """
    piece = _CRUDE_ACCENT.sub(
        lambda m: unicodedata.normalize("NFC", (m.group(2) or m.group(3)) + _ACCENTS[m.group(1)]),
        piece)
    return _CRUDE.sub(lambda m: m.group(1) or "", piece)


class Decoder:
    """Decodes the values of one file; pylatexenc reads at most ``budget`` characters
    (it takes ~40 µs a character): what is beyond is decoded crudely (:func:`_crude`).
    Short pieces (words) are decoded once and remembered."""

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget

    def _piece(self, piece: str) -> str:
        if len(piece) <= _CACHED:
            cached = _short_piece.cache_info().currsize
            text = _short_piece(piece)
            if _short_piece.cache_info().currsize > cached:
                self.budget -= len(piece)
            return text if self.budget >= 0 else _crude(piece)
        if len(piece) > self.budget:
            return _crude(piece)
        self.budget -= len(piece)
        return _decode_piece(piece)

    def _decoded(self, value: str) -> str:
        value = _MARK.sub("", value)
        if not _ACTIVE.search(value):
            return value  # the common case: plain text, nothing to cut
        out = []
        for piece, active in pieces(value):
            if active:
                out.append(self._piece(piece))
            else:  # text and plain groups: pylatexenc would drop the braces
                out.append(piece.replace("{", "").replace("}", "") if "{" in piece
                           or "}" in piece else piece)
        return "".join(out)

    def text(self, value: str) -> str:
        """The text of a LaTeX value (formatting dropped; spacing as pylatexenc leaves it)."""
        return _MARK.sub("", self._decoded(value))

    def markup(self, value: str) -> str:
        """An HTML fragment of a LaTeX value: text escaped, italics, bold, sub- and
        superscripts as ``<i> <b> <sub> <sup>`` (for :func:`~evidence_tracker.domain.
        markup.sanitize_html`, which balances them)."""
        text = html.escape(self._decoded(value), quote=False)
        return _MARK.sub(lambda m: _MARKS[m.group()], text)


@functools.lru_cache(maxsize=65_536)
def _short_piece(piece: str) -> str:
    return _decode_piece(piece)


def to_text(value: str) -> str:
    """:meth:`Decoder.text` with a fresh budget."""
    return Decoder().text(value)


def to_markup(value: str) -> str:
    """:meth:`Decoder.markup` with a fresh budget."""
    return Decoder().markup(value)
