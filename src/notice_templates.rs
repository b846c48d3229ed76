//! The wording of public notices: templates the bureau edits without rebuilding (`templates/notices/*.txt`,
//! see the README there). Read from the folder each time a notice is drafted; a kind whose file is not there
//! uses the copy built into the binary, so the service drafts notices from any working folder.

use std::path::PathBuf;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::domain::FieldErrors;
use crate::domain::notice::NoticeKind;

const BUILT_IN: [(NoticeKind, &str); 3] = [
    (
        NoticeKind::Plan,
        include_str!("../templates/notices/plan.txt"),
    ),
    (
        NoticeKind::Site,
        include_str!("../templates/notices/site.txt"),
    ),
    (
        NoticeKind::Completion,
        include_str!("../templates/notices/completion.txt"),
    ),
];

/// A notice's text as its template makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NoticeTemplates {
    /// The bureau's folder; `None` uses only the built-in wording.
    dir: Option<PathBuf>,
}

impl NoticeTemplates {
    pub fn new(dir: Option<PathBuf>) -> Self {
        NoticeTemplates { dir }
    }

    pub fn built_in() -> Self {
        NoticeTemplates { dir: None }
    }

    /// The template of `kind` and where it came from, for error messages planners read: the file's name in the
    /// bureau's template folder, never the server's path to it.
    fn source(&self, kind: NoticeKind) -> (String, String) {
        let file = format!("{}.txt", kind.code());
        if let Some(dir) = &self.dir {
            let path = dir.join(&file);
            if let Ok(text) = std::fs::read_to_string(&path) {
                return (format!("公示模板 {file}"), text);
            }
        }
        let text = BUILT_IN
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| *t)
            .unwrap_or_default();
        (
            format!("内置公示模板 templates/notices/{file}"),
            text.to_owned(),
        )
    }

    /// The title and paragraphs of a notice of `kind` for `context`. A template that does not render (a
    /// misspelt field, a syntax error, no title) is refused naming the file and line, as field `template`.
    pub fn render(&self, kind: NoticeKind, context: &impl Serialize) -> Result<Text, FieldErrors> {
        let (name, source) = self.source(kind);
        let fail = |message: String| FieldErrors::single("template", format!("{name}：{message}"));
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        let rendered = env
            .render_str(&source, minijinja::value::Serde(context))
            .map_err(|e| {
                let what = template_problem(e.kind());
                // The line as the bureau wrote it tells them more than minijinja's English would.
                match e.line() {
                    Some(line) => {
                        let text = source
                            .lines()
                            .nth(line.saturating_sub(1))
                            .unwrap_or("")
                            .trim();
                        fail(format!("第 {line} 行（{text}）：{what}"))
                    }
                    None => fail(what.to_owned()),
                }
            })?;
        split(&rendered).ok_or_else(|| fail("第一行须为公示标题，现在模板生成的内容是空的".into()))
    }
}

/// What went wrong in a template, in the words of the person who edits it.
fn template_problem(kind: minijinja::ErrorKind) -> &'static str {
    match kind {
        minijinja::ErrorKind::UndefinedError => "用到了不存在的字段，请检查字段名是否写错",
        minijinja::ErrorKind::SyntaxError => "模板语法有误，请检查 {{ }} 和 {% %} 是否成对",
        minijinja::ErrorKind::UnknownFilter => "用到了不存在的过滤器",
        minijinja::ErrorKind::UnknownFunction | minijinja::ErrorKind::UnknownMethod => {
            "用到了不存在的函数"
        }
        minijinja::ErrorKind::InvalidOperation => "对字段做了不能做的运算",
        _ => "模板无法生成公示，请检查这一行",
    }
}

/// First non-empty line: the title; then paragraphs separated by blank lines, each joined into one line.
fn split(text: &str) -> Option<Text> {
    let mut lines = text.lines().map(str::trim);
    let title = lines.by_ref().find(|l| !l.is_empty())?.to_owned();
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    for line in lines {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            current.push_str(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    Some(Text { title, paragraphs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> serde_json::Value {
        json!({
            "county": "仁寿县", "authority": "仁寿县住房和城乡建设局", "year": 2021, "phone": "028-36210000",
            "project": {"code": "RS-2021-P001", "name": "工行小区改造项目"},
            "sites": [], "site_names": "工行小区", "towns": "文林街道", "households": 120, "buildings": 4,
            "floor_area": "9,800", "category": "完善类", "items": 6, "item_names": "屋面防水、外墙修缮",
            "total": "356.20万元", "total_capital": "叁佰伍拾陆万贰仟元整",
            "contract": "345.51万元", "contract_capital": "叁佰肆拾伍万伍仟壹佰元整",
            "contractor": {"name": "眉山某建筑公司", "contact": "王工", "phone": "13800001111"},
            "planned_start": "2021年3月1日", "planned_end": "2021年6月30日", "completed_on": "2021年6月20日",
            "days": 7, "count_label": "日", "corrects": null,
        })
    }

    #[test]
    fn every_built_in_template_renders_a_title_and_paragraphs() {
        let templates = NoticeTemplates::built_in();
        for kind in NoticeKind::ALL {
            let text = templates.render(kind, &context()).unwrap();
            assert!(
                text.title.contains("工行小区改造项目"),
                "{kind:?}: {}",
                text.title
            );
            assert!(text.paragraphs.len() >= 2, "{kind:?}");
            assert!(
                text.paragraphs
                    .iter()
                    .all(|p| !p.is_empty() && !p.contains("{{")),
                "{kind:?}: {:?}",
                text.paragraphs
            );
            assert!(!text.title.contains("更正"), "{kind:?}");
        }
    }

    #[test]
    fn a_correction_says_what_it_corrects() {
        let mut c = context();
        c["corrects"] =
            json!({"number": "仁住建公〔2021〕3号", "title": "关于工行小区改造项目改造方案的公示"});
        // No figure changed: the bureau is asked to write what it corrects.
        c["changes"] = json!([]);
        c["to_write"] = json!(crate::domain::notice::CORRECTION_TO_WRITE);
        let text = NoticeTemplates::built_in()
            .render(NoticeKind::Plan, &c)
            .unwrap();
        assert_eq!(text.title, "工行小区改造项目实施方案更正公示");
        assert!(text.paragraphs[0].contains("仁住建公〔2021〕3号"));
        assert_eq!(text.paragraphs[1], "更正事项：（请在此写明更正的内容）");
        // A figure changed: the correction names it, before and after.
        c["changes"] = json!(["“户数：120户”更正为“126户”"]);
        let text = NoticeTemplates::built_in()
            .render(NoticeKind::Plan, &c)
            .unwrap();
        assert_eq!(
            text.paragraphs[1],
            "更正事项：“户数：120户”更正为“126户”。其余内容不变。"
        );
    }

    #[test]
    fn the_bureaus_folder_wins_and_a_misspelt_field_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("plan.txt"),
            "{{ project.name }}的公示\n\n第一段\n接着\n\n第二段 {{ days }}",
        )
        .unwrap();
        std::fs::write(dir.path().join("site.txt"), "标题\n\n{{ project.nmae }}").unwrap();
        let templates = NoticeTemplates::new(Some(dir.path().to_owned()));
        let text = templates.render(NoticeKind::Plan, &context()).unwrap();
        assert_eq!(text.title, "工行小区改造项目的公示");
        assert_eq!(text.paragraphs, ["第一段接着", "第二段 7"]);
        let errors = templates.render(NoticeKind::Site, &context()).unwrap_err();
        let message = &errors.0["template"][0];
        assert!(
            message.contains("公示模板 site.txt")
                && message.contains("第 3 行（{{ project.nmae }}）")
                && message.contains("不存在的字段"),
            "{message}"
        );
        let folder = dir.path().display().to_string();
        assert!(
            !message.contains(&folder),
            "the server's path leaked: {message}"
        );
        // No file of the kind in the folder: the built-in wording.
        let text = templates
            .render(NoticeKind::Completion, &context())
            .unwrap();
        assert!(text.title.contains("竣工"));
    }
}
