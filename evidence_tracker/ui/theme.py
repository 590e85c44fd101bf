"""Light and dark themes: which palette the application uses, and the colours that text drawn
or written as HTML takes from it.

Nothing in the GUI names a colour for text directly: it asks :func:`colours` for the current
palette's ``Colours`` (text, muted, panel, and the semantic tones good, fair, caution, bad,
neutral, each in a light and a dark variant that keep a WCAG contrast of at least 4.5 on the
palette's base). The choice System/Light/Dark is kept in QSettings; System follows
``QStyleHints.colorScheme()`` and its changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from evidence_tracker.domain.models import Certainty, Stance, Verdict

SETTINGS_KEY = "appearance/theme"
#: WCAG 2 AA for body text.
MIN_CONTRAST = 4.5


class ThemeChoice(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"

    @property
    def label(self) -> str:
        return {"system": "Follow the system", "light": "Light", "dark": "Dark"}[self.value]


class Tone(Enum):
    """What a coloured word means, whatever the theme draws it in."""

    GOOD = "good"
    FAIR = "fair"
    CAUTION = "caution"
    BAD = "bad"
    NEUTRAL = "neutral"


#: (strong colour for text and outlines, tint for a badge's background), per theme.
_LIGHT_TONES = {Tone.GOOD: ("#1a6e2e", "#e3f4e7"), Tone.FAIR: ("#4f6800", "#eef5d9"),
                Tone.CAUTION: ("#8a4b00", "#fdf0e1"), Tone.BAD: ("#b00020", "#fde8e7"),
                Tone.NEUTRAL: ("#5f6673", "#eef0f3")}
_DARK_TONES = {Tone.GOOD: ("#74d18a", "#1d3a26"), Tone.FAIR: ("#bcd66a", "#2e3914"),
               Tone.CAUTION: ("#f0a64a", "#3f2d14"), Tone.BAD: ("#ff7b8e", "#47202a"),
               Tone.NEUTRAL: ("#aab1bc", "#2d3036")}

STANCE_TONES = {Stance.SUPPORTS: Tone.GOOD, Stance.PARTLY_SUPPORTS: Tone.FAIR,
                Stance.CONTRADICTS: Tone.BAD, Stance.NOT_RELEVANT: Tone.NEUTRAL}
VERDICT_TONES = {Verdict.SUPPORTED: Tone.GOOD, Verdict.PARTLY_SUPPORTED: Tone.FAIR,
                 Verdict.NOT_SUPPORTED: Tone.CAUTION, Verdict.CONTRADICTED: Tone.BAD,
                 Verdict.INSUFFICIENT: Tone.NEUTRAL}
CERTAINTY_TONES = {Certainty.HIGH: Tone.GOOD, Certainty.MODERATE: Tone.FAIR,
                   Certainty.LOW: Tone.CAUTION, Certainty.VERY_LOW: Tone.BAD}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``.

    >>> relative_luminance("#ffffff"), relative_luminance("#000000")
    (1.0, 0.0)
    """
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21.

    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    >>> round(contrast_ratio("#777777", "#ffffff"), 2)
    4.48
    """
    light, dark = sorted((relative_luminance(foreground), relative_luminance(background)),
                         reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _mix(a: QColor, b: QColor, share: float) -> str:
    """``share`` of ``a`` over ``b``, as ``#rrggbb``."""
    r, g, bl = (round(x * share + y * (1 - share)) for x, y in (
        (a.red(), b.red()), (a.green(), b.green()), (a.blue(), b.blue())))
    return f"#{r:02x}{g:02x}{bl:02x}"


@dataclass(frozen=True, slots=True)
class Colours:
    """The colours of one palette, as ``#rrggbb`` (the defaults are the light theme's, for
    tests and exports). Every text colour keeps ``MIN_CONTRAST`` on ``base`` and ``panel``."""

    text: str = "#1d1d1f"
    muted: str = "#555555"
    base: str = "#ffffff"
    panel: str = "#f1f3f6"  # boxes and table headings
    rule: str = "#c9ccd1"
    hit: str = "#fff1a8"  # background of a matched term
    hit_text: str = "#1d1d1f"
    link: str = "#0b57d0"
    dark: bool = False

    @classmethod
    def from_palette(cls, palette: QPalette) -> Colours:
        text, base = palette.text().color(), palette.base().color()
        dark = base.lightness() < 128
        muted = _mix(text, base, 0.7)
        if contrast_ratio(muted, base.name()) < MIN_CONTRAST:
            muted = _mix(text, base, 0.85)
        link = palette.link().color().name()
        if contrast_ratio(link, base.name()) < MIN_CONTRAST:
            link = "#8ab4f8" if dark else "#0b57d0"
        return cls(text=text.name(), muted=muted, base=base.name(), panel=_mix(text, base, 0.08),
                   rule=_mix(text, base, 0.3), hit="#6b5d12" if dark else "#fff1a8",
                   hit_text=text.name(), link=link, dark=dark)

    def tone(self, tone: Tone) -> str:
        """The colour of text (or an outline) that means ``tone``."""
        strong = (_DARK_TONES if self.dark else _LIGHT_TONES)[tone][0]
        return strong if contrast_ratio(strong, self.base) >= MIN_CONTRAST else self.text

    def tint(self, tone: Tone) -> str:
        """A quiet background for ``tone`` (an outlined badge); ``tone()`` reads on it."""
        return (_DARK_TONES if self.dark else _LIGHT_TONES)[tone][1]

    def on_tone(self) -> str:
        """Text on a background filled with ``tone()`` colour (a confirmed badge)."""
        return self.base if self.dark else "#ffffff"

    @property
    def warn(self) -> str:
        return self.tone(Tone.CAUTION)

    @property
    def danger(self) -> str:
        return self.tone(Tone.BAD)

    def stance(self, stance: Stance) -> str:
        return self.tone(STANCE_TONES[stance])

    def verdict(self, verdict: Verdict) -> tuple[str, str]:
        """(strong, tint) of a verdict's badge."""
        tone = VERDICT_TONES[verdict]
        return self.tone(tone), self.tint(tone)

    def certainty(self, certainty: Certainty) -> str:
        return self.tone(CERTAINTY_TONES[certainty])


LIGHT = Colours()


def colours(widget: QWidget | None = None) -> Colours:
    """The colours of ``widget``'s palette, or of the application's."""
    palette = widget.palette() if widget is not None else QGuiApplication.palette()
    return Colours.from_palette(palette)


class _TextStyle(QObject):
    """Keeps a widget's text colour in step with the application's palette."""

    def __init__(self, widget: QWidget, tone: Tone | None, bold: bool):
        super().__init__(widget)
        self.setObjectName("textStyle")
        self.widget, self.tone, self.bold = widget, tone, bold
        widget.installEventFilter(self)
        self.apply()

    def apply(self) -> None:
        # The application's palette: the widget's own text role is this style's colour.
        c = colours()
        colour = c.muted if self.tone is None else c.tone(self.tone)
        sheet = f"color: {colour};" + (" font-weight: bold;" if self.bold else "")
        if self.widget.styleSheet() != sheet:
            self.widget.setStyleSheet(sheet)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.PaletteChange:
            self.apply()  # a light/dark switch
        return False


def style_text(widget: QWidget, tone: Tone | None = None, *, bold: bool = False) -> None:
    """Colour a widget's text: muted (``tone`` None) or a tone, from the palette, and keep
    it so when the palette changes."""
    style = widget.findChild(_TextStyle, "textStyle", Qt.FindChildOption.FindDirectChildrenOnly)
    if style is None:
        _TextStyle(widget, tone, bold)
    else:
        style.tone, style.bold = tone, bold
        style.apply()


# -- the application's palette -------------------------------------------------------------
def _palette(roles: dict[QPalette.ColorRole, str], disabled_text: str) -> QPalette:
    palette = QPalette()
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return palette


def dark_palette() -> QPalette:
    """The dark theme's palette, for a platform that has none of its own."""
    role = QPalette.ColorRole
    return _palette({
        role.Window: "#202124", role.WindowText: "#e8eaed", role.Base: "#1b1b1d",
        role.AlternateBase: "#26262a", role.Text: "#e8eaed", role.Button: "#2d2e31",
        role.ButtonText: "#e8eaed", role.BrightText: "#ffffff", role.Link: "#8ab4f8",
        role.LinkVisited: "#c58af9", role.Highlight: "#3d6fb4", role.HighlightedText: "#ffffff",
        role.ToolTipBase: "#2d2e31", role.ToolTipText: "#e8eaed", role.PlaceholderText: "#9aa0a6",
        role.Light: "#3c3d41", role.Midlight: "#323336", role.Mid: "#26272a",
        role.Dark: "#141416", role.Shadow: "#000000",
    }, disabled_text="#80868b")


def light_palette() -> QPalette:
    """The light theme's palette, when the user picks Light on a dark desktop."""
    role = QPalette.ColorRole
    return _palette({
        role.Window: "#efefef", role.WindowText: "#1d1d1f", role.Base: "#ffffff",
        role.AlternateBase: "#f5f6f8", role.Text: "#1d1d1f", role.Button: "#efefef",
        role.ButtonText: "#1d1d1f", role.BrightText: "#ffffff", role.Link: "#0b57d0",
        role.LinkVisited: "#6b3fa0", role.Highlight: "#308cc6", role.HighlightedText: "#ffffff",
        role.ToolTipBase: "#ffffdc", role.ToolTipText: "#1d1d1f", role.PlaceholderText: "#6b6f76",
        role.Light: "#ffffff", role.Midlight: "#cacaca", role.Mid: "#b8b8b8",
        role.Dark: "#9f9f9f", role.Shadow: "#767676",
    }, disabled_text="#8c8c8c")


def saved_choice() -> ThemeChoice:
    value = QSettings().value(SETTINGS_KEY, ThemeChoice.SYSTEM.value)
    try:
        return ThemeChoice(str(value))
    except ValueError:
        return ThemeChoice.SYSTEM


def save_choice(choice: ThemeChoice) -> None:
    QSettings().setValue(SETTINGS_KEY, choice.value)


def wants_dark(choice: ThemeChoice, scheme: Qt.ColorScheme) -> bool:
    """Dark for the Dark choice, or for System on a dark desktop.

    >>> wants_dark(ThemeChoice.SYSTEM, Qt.ColorScheme.Dark), wants_dark(ThemeChoice.LIGHT,
    ...     Qt.ColorScheme.Dark)
    (True, False)
    """
    if choice is ThemeChoice.SYSTEM:
        return scheme == Qt.ColorScheme.Dark
    return choice is ThemeChoice.DARK


class ThemeKeeper(QObject):
    """Keeps the application in the chosen theme; for System, it follows the desktop's
    light/dark switch. The platform's own palette is kept whenever it already matches the
    wanted scheme; otherwise the theme's palette replaces it."""

    def __init__(self, app: QApplication):
        super().__init__(app)
        self.setObjectName("themeKeeper")
        self.app = app
        self.choice = ThemeChoice.SYSTEM
        app.styleHints().colorSchemeChanged.connect(self._scheme_changed)

    def apply(self, choice: ThemeChoice) -> None:
        self.choice = choice
        # An empty palette resolves to the platform's, and keeps following it.
        self.app.setPalette(QPalette())
        dark = wants_dark(choice, self.app.styleHints().colorScheme())
        if dark != (self.app.palette().base().color().lightness() < 128):
            self.app.setPalette(dark_palette() if dark else light_palette())

    def _scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        self.apply(self.choice)


def apply_theme(choice: ThemeChoice) -> None:
    """Put the application in ``choice``'s theme (the one keeper follows the desktop)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    keeper = app.findChild(ThemeKeeper, "themeKeeper") or ThemeKeeper(app)
    keeper.apply(choice)
