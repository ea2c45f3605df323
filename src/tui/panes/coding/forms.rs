//! The analysis panes' forms (tag a passage, memo, summary, stopping rule, split),
//! submitted: the write they ask for.

use super::state::CodingState;
use super::update::rule_values;
use crate::tui::core::*;
use crate::tui::widgets::form::Form;

/// Its forms, submitted: the write they ask for.
pub fn submit(cx: &mut Cx, st: &mut CodingState, kind: FormKind, f: Form) -> Option<Effect> {
    let w = match kind {
        FormKind::TagPassage {
            session,
            start,
            end,
        } => {
            let mut themes = Vec::new();
            for k in ["theme", "theme2", "theme3"] {
                let v = f.get(k);
                if !v.is_empty() && !themes.contains(&v) {
                    themes.push(v);
                }
            }
            Write::TagPassage {
                session,
                start,
                end,
                themes,
                memo: f.opt("memo"),
            }
        }
        FormKind::PassageMemo { ids } => Write::PassageMemo {
            ids,
            memo: f.opt("memo"),
            opened: Some(version_of(&f)),
            before: Some(was(&f, "memo")),
        },
        FormKind::Summary {
            participant,
            theme,
            phase,
        } => Write::SetSummary {
            participant,
            theme,
            phase,
            summary: f.opt("summary"),
            opened: Some(version_of(&f)),
            before: Some(was(&f, "summary")),
        },
        FormKind::Rule => match rule_values(&f) {
            Ok((base, run, thr)) => {
                let a = &mut st.analysis;
                a.base = Some(base);
                a.run = Some(run);
                a.threshold = Some(thr);
                cx.info(format!(
                    "stopping rule: base {base}, run {run}, threshold {}%",
                    thr * 100.0
                ));
                *cx.form = None;
                *cx.mode = Mode::Normal;
                return Some(Effect::Load(Pane::Analysis));
            }
            Err((field, msg)) => {
                if let Some((_, form)) = cx.form.as_mut() {
                    form.set_error(field, &msg);
                }
                cx.error(msg);
                return None;
            }
        },
        FormKind::Split => Write::SplitTheme {
            tag: f.get("tag"),
            name: f.get("name"),
        },
        _ => return None,
    };
    Some(Effect::Write(w))
}

/// A text field's value when its form was opened (`None`: empty), for the undo.
fn was(f: &Form, key: &str) -> Option<String> {
    f.opened_value(key)
        .filter(|v| !v.trim().is_empty())
        .map(str::to_string)
}
