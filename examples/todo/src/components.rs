//! The page's components. Each reactive one names the state keys it depends on; the rules
//! behind these declarations are checked when the crate compiles (see `docs/declaring.md`).

use pjx::builtins::{Badge, Card, EmptyState, ProgressBar, Tone};
use pjx::prelude::*;
use serde::Serialize;

use crate::store::{Store, Todo};

/// The pieces of state the page depends on.
#[derive(MutationKey)]
pub enum Keys {
    /// Any todo's text or done flag (and so every count).
    Todos,
    /// Which todos exist, and in what order.
    TodoList,
}

/// Every todo, from the store (`Pjx::new().data::<Store>()` puts it in the load context).
fn todos(cx: &LoadCx) -> Result<Vec<Todo>, LoadError> {
    Ok(cx.require::<Store>()?.all()?)
}

/// One todo: a keyed region per row, `row-<id>`.
#[reactive(react = [Keys::Todos], template = "item_row.html", css = "item_row.css")]
#[derive(Serialize)]
pub struct ItemRow {
    id: String,
    #[pjx_key]
    todo_id: i64,
    title: String,
    done: bool,
}

#[reactive]
impl ItemRow {
    async fn load(todo_id: i64, cx: &LoadCx) -> Result<Self, LoadError> {
        let todo = cx
            .require::<Store>()?
            .get(todo_id)?
            .ok_or(LoadError::NotFound)?;
        Ok(Self::from(&todo))
    }
}

impl From<&Todo> for ItemRow {
    fn from(todo: &Todo) -> Self {
        ItemRow {
            id: format!("row-{}", todo.id),
            todo_id: todo.id,
            title: todo.text.clone(),
            done: todo.done,
        }
    }
}

/// The list of rows. Adding or clearing todos changes which rows exist.
#[reactive(react = [Keys::TodoList], template = "todo_list.html", name = "list")]
pub struct TodoList {
    rows: Vec<ItemRow>,
}

#[reactive]
impl TodoList {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        Ok(TodoList {
            rows: todos(cx)?.iter().map(ItemRow::from).collect(),
        })
    }
}

/// "N left".
#[reactive(react = [Keys::Todos], template = "counter.html")]
pub struct Counter {
    remaining: usize,
}

#[reactive]
impl Counter {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (remaining, _) = cx.require::<Store>()?.counts()?;
        Ok(Counter { remaining })
    }
}

/// "N total".
#[reactive(react = [Keys::Todos], template = "total.html")]
pub struct Total {
    total: usize,
}

#[reactive]
impl Total {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (open, done) = cx.require::<Store>()?.counts()?;
        Ok(Total { total: open + done })
    }
}

/// "Clear completed (N)".
#[reactive(react = [Keys::Todos], template = "clear_button.html", name = "clear")]
pub struct ClearButton {
    completed: usize,
}

#[reactive]
impl ClearButton {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (_, completed) = cx.require::<Store>()?.counts()?;
        Ok(ClearButton { completed })
    }
}

/// The whole page: a plain component holding the reactive regions, each loading itself.
#[component(template = "page.html", css = "app.css")]
#[derive(LoadPage)]
pub struct Page {
    /// The list of rows.
    pub list: TodoList,
    /// "N left".
    pub counter: Counter,
    /// "N total".
    pub total: Total,
    /// "Clear completed (N)".
    pub clear: ClearButton,
}

impl Page {
    /// The longest todo text accepted (the form's `maxlength`).
    pub fn max_text(&self) -> usize {
        crate::store::MAX_TEXT
    }
}

// The overview page (`GET /overview`): the same regions, built from slots, composites and
// builtins. Toggling a row there swaps the row, and the badge and progress bar follow out of
// band like any region that reacts to `Keys::Todos`.

/// "N open" (or "all done"): the `Badge` builtin made live. No template and no CSS of its own:
/// `extends` renders the badge's markup and ships the badge's stylesheet.
#[reactive(react = [Keys::Todos], extends = Badge)]
pub struct OpenBadge {
    badge: Badge,
}

#[reactive]
impl OpenBadge {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (open, done) = cx.require::<Store>()?.counts()?;
        let badge = match open {
            0 => Badge::new("all done").tone(Tone::Success),
            open => Badge::new(format!("{open} open"))
                .tone(Tone::Info)
                .describe(format!("{open} of {} todos open", open + done)),
        };
        Ok(OpenBadge { badge })
    }
}

/// Done out of total: the `ProgressBar` builtin made live. It keeps the builtin's markup but
/// ships a stylesheet of its own (`done_progress.css`), which replaces the builtin's.
#[reactive(
    react = [Keys::Todos],
    extends = ProgressBar,
    css = "done_progress.css"
)]
pub struct DoneProgress {
    bar: ProgressBar,
}

#[reactive]
impl DoneProgress {
    async fn load(cx: &LoadCx) -> Result<Self, LoadError> {
        let (open, done) = cx.require::<Store>()?.counts()?;
        Ok(DoneProgress {
            bar: ProgressBar::new(done as u64, (open + done) as u64, "Todos done"),
        })
    }
}

/// The card's header: a composite of a title and the live badge.
#[component(source = r#"<h1 class="overview__title">Todos</h1>{{ open }}"#)]
pub struct OverviewHeading {
    #[pjx(slot)]
    open: Slot<OpenBadge>,
}

/// The card's body: the live progress bar, then the todos (the list region, or an empty
/// state when there are none).
#[component(template = "overview_body.html")]
pub struct OverviewBody {
    #[pjx(slot)]
    progress: Slot<DoneProgress>,
    #[pjx(slot)]
    todos: Slot,
}

/// The card's footer: the total and the way back.
#[component(source = r#"{{ total }}<a class="overview__link" href="/">Back to the list</a>"#)]
pub struct OverviewFooter {
    #[pjx(slot)]
    total: Slot<Total>,
}

/// The overview page: one `Card` whose slots hold the composites above. Not every field is a
/// region that loads itself, so its `LoadPage` is written by hand.
#[component(template = "overview.html", css = "app.css")]
pub struct Overview {
    /// The card.
    pub card: Card,
}

impl LoadPage for Overview {
    async fn load_page(cx: &LoadCx) -> Result<Self, LoadError> {
        let (open, done) = cx.require::<Store>()?.counts()?;
        let todos: Slot = match open + done {
            0 => EmptyState::builder()
                .title("Nothing to do")
                .body("Every todo is cleared.")
                .action(Markup::trusted(r#"<a href="/">Add one</a>"#))
                .build()
                .into(),
            _ => TodoList::load(cx).await?.into(),
        };
        let card = Card::builder()
            .header(
                OverviewHeading::builder()
                    .open(OpenBadge::load(cx).await?)
                    .build(),
            )
            .body(
                OverviewBody::builder()
                    .progress(DoneProgress::load(cx).await?)
                    .todos(todos)
                    .build(),
            )
            .footer(
                OverviewFooter::builder()
                    .total(Total::load(cx).await?)
                    .build(),
            )
            .build();
        Ok(Overview { card })
    }
}
