pub fn render_coverage(c: &crate::service::coverage::Coverage) -> String { format!("{}\n", c.total_interviews) }
