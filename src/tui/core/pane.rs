//! The types every pane shares: the panes, the modes, a paged list, a message.

use time::Date;

use crate::domain::Participant;
use crate::service::consent::ConsentRow;
use crate::service::Reference;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Participants,
    Consent,
    Sessions,
    Transcripts,
    Themes,
    Coverage,
    Search,
    Viewer,
    Matrix,
    Analysis,
    Redaction,
    Export,
    Agreement,
}

/// How many panes there are.
pub const PANES: usize = Pane::ALL.len();

impl Pane {
    pub const ALL: &'static [Pane] = &[
        Pane::Participants,
        Pane::Consent,
        Pane::Sessions,
        Pane::Transcripts,
        Pane::Themes,
        Pane::Coverage,
        Pane::Search,
        Pane::Viewer,
        Pane::Matrix,
        Pane::Analysis,
        Pane::Redaction,
        Pane::Export,
        Pane::Agreement,
    ];
    /// The key that shows the pane (also its label in the tab bar).
    pub fn key(self) -> char {
        match self {
            Pane::Participants => '1',
            Pane::Consent => '2',
            Pane::Sessions => '3',
            Pane::Transcripts => '4',
            Pane::Themes => '5',
            Pane::Coverage => '6',
            Pane::Search => '7',
            Pane::Viewer => '8',
            Pane::Matrix => '9',
            Pane::Analysis => '0',
            Pane::Redaction => 'D',
            Pane::Export => 'E',
            Pane::Agreement => 'K',
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Pane::Participants => "Participants",
            Pane::Consent => "Consent",
            Pane::Sessions => "Sessions",
            Pane::Transcripts => "Transcripts",
            Pane::Themes => "Themes",
            Pane::Coverage => "Coverage",
            Pane::Search => "Search",
            Pane::Viewer => "Viewer",
            Pane::Matrix => "Matrix",
            Pane::Analysis => "Analysis",
            Pane::Redaction => "Redaction",
            Pane::Export => "Export",
            Pane::Agreement => "Agreement",
        }
    }
    /// The title abbreviated for a narrow tab bar (3–4 letters, still readable).
    pub fn short(self) -> &'static str {
        match self {
            Pane::Participants => "Part",
            Pane::Consent => "Cons",
            Pane::Sessions => "Sess",
            Pane::Transcripts => "Trns",
            Pane::Themes => "Thms",
            Pane::Coverage => "Cov",
            Pane::Search => "Srch",
            Pane::Viewer => "View",
            Pane::Matrix => "Mtx",
            Pane::Analysis => "Anl",
            Pane::Redaction => "Red",
            Pane::Export => "Exp",
            Pane::Agreement => "Agr",
        }
    }
    /// The shortest readable abbreviation: the first 3 letters of `short`.
    pub fn tiny(self) -> &'static str {
        let s = self.short();
        &s[..3.min(s.len())]
    }
    /// Two letters, for 80 columns with every pane and the privacy badge.
    pub fn micro(self) -> &'static str {
        let s = self.short();
        &s[..2.min(s.len())]
    }
    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
    pub(crate) fn offset(self, d: isize) -> Pane {
        let n = Pane::ALL.len() as isize;
        Pane::ALL[(self.index() as isize + d).rem_euclid(n) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Search,
    Form,
    Confirm,
    /// The record an open form edits changed underneath it: overwrite, reload or cancel.
    Conflict,
    Help,
    /// The message log overlay (`L`).
    Log,
}

/// How many messages the log keeps.
pub const LOG_MAX: usize = 200;

/// Rows loaded before the first frame tells the lists how tall a page is.
pub const WINDOW: usize = 100;

/// A window onto a long list: only `rows` (starting at `offset`) are in memory. Lists
/// scroll by whole pages; the loaded window is two pages, so moving within them needs no
/// query.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub rows: Vec<T>,
    pub offset: usize,
    pub total: usize,
    pub selected: usize,
    /// Rows per page, as last drawn (0 before the first frame).
    pub page: std::cell::Cell<usize>,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            rows: Vec::new(),
            offset: 0,
            total: 0,
            selected: 0,
            page: std::cell::Cell::new(0),
        }
    }
}

/// The window a list restarted at row 0 loads (its page size is kept).
pub fn first_window<T>(l: &Paged<T>) -> usize {
    let fresh: Paged<()> = Paged::at(0);
    fresh.page.set(l.page.get());
    fresh.window_len()
}

impl<T> Paged<T> {
    /// A loaded window: the list's count and `rows` from row `start`; the selection stays
    /// inside the list.
    pub fn place(&mut self, total: usize, rows: Vec<T>, start: usize) {
        self.total = total;
        self.rows = rows;
        self.offset = start;
        self.fix_selection();
    }

    /// Keep the selection inside the list (after it shrank).
    pub fn fix_selection(&mut self) {
        if self.selected >= self.total {
            self.selected = self.total.saturating_sub(1);
        }
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        i.checked_sub(self.offset).and_then(|j| self.rows.get(j))
    }
    pub fn current(&self) -> Option<&T> {
        self.get(self.selected)
    }
    /// Empty the list and select row `selected`; the page size learnt from the last frame
    /// is kept, so the reload asks for the right window.
    pub fn restart_at(&mut self, selected: usize) {
        let page = self.page.get();
        *self = Paged::at(selected);
        self.page.set(page);
    }
    /// A list at `selected`, with nothing loaded yet.
    pub fn at(selected: usize) -> Paged<T> {
        Paged {
            selected,
            ..Default::default()
        }
    }
    /// Move the selection; true when the loaded window no longer covers its page.
    pub fn move_to(&mut self, i: usize) -> bool {
        self.selected = if self.total == 0 {
            0
        } else {
            i.min(self.total - 1)
        };
        self.needs_load()
    }
    pub fn move_by(&mut self, d: isize) -> bool {
        let i = if d < 0 {
            self.selected.saturating_sub(d.unsigned_abs())
        } else {
            self.selected.saturating_add(d as usize)
        };
        self.move_to(i)
    }
    fn rows_per_page(&self) -> usize {
        match self.page.get() {
            0 => WINDOW / 2,
            n => n,
        }
    }
    pub fn needs_load(&self) -> bool {
        if self.total == 0 {
            return false;
        }
        let p = self.rows_per_page();
        let top = self.top(p);
        let end = (top + p).min(self.total);
        self.rows.is_empty() || top < self.offset || end > self.offset + self.rows.len()
    }
    /// Where to load from: this page and the next, or, moving up, the one before and this.
    pub fn window_start(&self) -> usize {
        let p = self.rows_per_page();
        let top = self.top(p);
        if top < self.offset {
            top.saturating_sub(p)
        } else {
            top
        }
    }
    /// How many rows to load.
    pub fn window_len(&self) -> usize {
        2 * self.rows_per_page()
    }
    /// First row shown in a body `height` rows tall: whole pages, so it needs no state.
    pub fn top(&self, height: usize) -> usize {
        page_top(self.selected, height)
    }
}

/// The first row of the page of `height` rows that holds row `selected` (lists scroll by
/// whole pages).
pub fn page_top(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected - selected % height
    }
}

/// A participant row: the participant and their consent in force today.
#[derive(Debug, Clone)]
pub struct PRow {
    pub p: Participant,
    pub consent: Option<ConsentRow>,
}

/// One line of the consent problems list: the service's (the rule lives there).
pub use crate::service::consent::ConsentProblem as Problem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub text: String,
    pub error: bool,
}

/// A selection moved by `d` rows (or to `abs`) in a list of `n`.
pub fn clamp_move(cur: usize, n: usize, d: isize, abs: Option<usize>) -> usize {
    if n == 0 {
        return 0;
    }
    let i = match abs {
        Some(i) => i,
        None if d < 0 => cur.saturating_sub(d.unsigned_abs()),
        None => cur.saturating_add(d as usize),
    };
    i.min(n - 1)
}

/// The date a new record's form starts on (`Cx::default_date`), for a given today: today
/// when it is inside a phase window; otherwise inside the current phase window — the last
/// one begun (its end date when today is past it), or the first one's start before the
/// study begins.
pub fn default_date(r: &Reference, today: Date) -> Date {
    if r.phases.iter().any(|p| p.start <= today && today <= p.end) {
        return today;
    }
    let begun = r
        .phases
        .iter()
        .filter(|p| p.start <= today)
        .max_by_key(|p| p.start);
    match (begun, r.phases.iter().min_by_key(|p| p.start)) {
        (Some(p), _) => today.min(p.end),
        (None, Some(first)) => first.start,
        (None, None) => today,
    }
}

/// The next value of a filter that cycles: unset → each value in turn → unset.
pub fn cycle<T: Clone + PartialEq>(cur: &Option<T>, all: &[T]) -> Option<T> {
    match cur {
        None => all.first().cloned(),
        Some(c) => match all.iter().position(|o| o == c) {
            Some(i) if i + 1 < all.len() => Some(all[i + 1].clone()),
            _ => None,
        },
    }
}

/// The privacy badge of the tab bar: whole when there is room, shortened when not.
pub fn privacy_badge(width: u16) -> &'static str {
    if width >= 100 {
        " PRIVACY "
    } else {
        " PRIV "
    }
}

/// The tab bar's labels for a terminal `width` wide (less the privacy badge when it is
/// shown): every title when they fit; else the shown pane's title and the others'
/// abbreviations (`Part`, `Cons`, …), then shorter ones; the keys alone only below 80
/// columns when nothing else fits.
pub fn tabs(active: Pane, width: u16) -> Vec<(Pane, String)> {
    tabs_with(active, width, false)
}

pub fn tabs_with(active: Pane, width: u16, privacy: bool) -> Vec<(Pane, String)> {
    let room = (width as usize).saturating_sub(if privacy {
        crate::tui::widgets::text::width(privacy_badge(width))
    } else {
        0
    });
    let total = |v: &[(Pane, String)]| -> usize {
        v.iter()
            .map(|(_, l)| crate::tui::widgets::text::width(l))
            .sum()
    };
    // The shown pane padded, the others as " key Name" (a space between them).
    type Name = fn(Pane) -> String;
    let tiers: [(Name, Name); 7] = [
        (|p| p.title().to_string(), |p| p.title().to_string()),
        (|p| p.title().to_string(), |p| p.short().to_string()),
        (|p| p.short().to_string(), |p| p.short().to_string()),
        (|p| p.title().to_string(), |p| p.tiny().to_string()),
        (|p| p.tiny().to_string(), |p| p.tiny().to_string()),
        (|p| p.tiny().to_string(), |p| p.micro().to_string()),
        (|p| p.title().to_string(), |_| String::new()),
    ];
    let mut last = Vec::new();
    for (on, off) in tiers {
        let v: Vec<(Pane, String)> = Pane::ALL
            .iter()
            .map(|p| {
                if *p == active {
                    (*p, format!(" {} {} ", p.key(), on(*p)))
                } else {
                    let n = off(*p);
                    if n.is_empty() {
                        (*p, format!(" {} ", p.key()))
                    } else {
                        (*p, format!(" {} {}", p.key(), n))
                    }
                }
            })
            .collect();
        if total(&v) <= room {
            return v;
        }
        last = v;
    }
    last
}
