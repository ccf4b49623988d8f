//! Every declaration form pjx accepts, together.

use pjx::prelude::*;
use serde::Serialize;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
    TodoList,
    #[pjx(rename = "user.settings")]
    Settings,
}

/// Another key type, with other derives beside it.
#[derive(MutationKey, PartialOrd, Ord)]
pub enum Extra {
    Stats,
}

// A singleton with an async load using the context.
#[reactive(react = [Keys::Todos, Extra::Stats], source = "<span>{{ remaining }}</span>")]
pub struct Counter {
    remaining: usize,
}

#[reactive]
impl Counter {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let remaining = *cx.require::<usize>()?;
        Ok(Counter { remaining })
    }

    /// Other items in the impl are left alone.
    pub fn is_done(&self) -> bool {
        self.remaining == 0
    }
}

// A keyed component with a sync load and no context, a single (non-list) react key.
#[reactive(react = Keys::Todos, source = "<li>{% if done %}✓{% endif %}{{ title }}</li>")]
#[derive(Serialize)]
pub struct ItemRow {
    #[pjx_key]
    todo_id: i64,
    title: String,
    done: bool,
    #[pjx(ephemeral)]
    editing: bool,
}

#[reactive]
impl ItemRow {
    fn load(todo_id: i64) -> Result<Self, LoadError> {
        Ok(ItemRow { todo_id, title: String::new(), done: false, editing: false })
    }
}

// A keyed component with a string key, an explicit id field, a rename and assets.
#[reactive(react = [Keys::Settings], source = "<form id=\"{{ id }}\"></form>", name = "settings_form", js = "/static/settings.js")]
pub struct SettingsForm {
    id: String,
    #[pjx_key]
    user: String,
}

#[reactive]
impl SettingsForm {
    async fn load(user: String, _cx: &pjx::LoadCx) -> Result<Self, pjx::LoadError> {
        Ok(SettingsForm { id: format!("settings-{user}"), user })
    }
}

// Plain components, including one nesting reactive ones, and a tuple struct.
#[component(source = "<span class=\"badge\">{{ label }}</span>", css = ["/a.css", "https://cdn.example/b.css"])]
#[derive(Serialize)]
pub struct Badge {
    label: String,
}

#[component(source = "<main>{{ counter }}{% for row in rows %}{{ row }}{% endfor %}</main>")]
pub struct Page {
    counter: Counter,
    rows: Vec<ItemRow>,
}

#[component(source = "<b>{{ self.0 }}</b>")]
pub struct Bold(&'static str);

// `extends`, reactive over a plain base.
#[reactive(react = [Keys::TodoList], extends = Badge)]
pub struct LiveBadge {
    badge: Badge,
    #[pjx(ephemeral)]
    seen: bool,
}

#[reactive]
impl LiveBadge {
    async fn load() -> Result<Self, LoadError> {
        Ok(LiveBadge { badge: Badge { label: "1 open".into() }, seen: false })
    }
}

pub struct Store {
    todos: Vec<String>,
}

impl Store {
    #[mutates(Keys::Todos, Keys::TodoList)]
    pub fn add(&mut self, text: String) -> Result<usize, String> {
        self.todos.push(text);
        Ok(self.todos.len())
    }

    #[mutates(Keys::Todos.at(id))]
    pub async fn toggle(&self, id: i64) -> Option<i64> {
        Some(id)
    }
}

#[mutates(Keys::Settings, Extra::Stats)]
pub fn reset() {}

fn main() {
    let page = Page {
        counter: Counter { remaining: 1 },
        rows: vec![ItemRow { todo_id: 1, title: "a".into(), done: true, editing: true }],
    };
    let html = page.to_html().unwrap();
    assert!(html.contains("data-pjx-id=\"item-row-1\""));
    assert!(!Counter { remaining: 1 }.is_done());
    assert_eq!(Bold("x").to_html().unwrap(), "<b>x</b>");
    assert_eq!(SettingsForm::TYPE_NAME, "settings_form");
    let _ = (LiveBadge::assets(), Store { todos: vec![] }, reset());
}
