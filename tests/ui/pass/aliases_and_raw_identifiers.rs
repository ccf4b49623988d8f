//! What a text check could not see: the context under another name or behind an alias, serde's
//! derives under other names (with a locked field), and raw identifiers everywhere.

use pjx::LoadCx as Ctx;
use pjx::prelude::*;
use pjx::testing::ComponentTest;
use serde::{Deserialize as De, Serialize as Ser};

type Cx<'a> = &'a Ctx;

#[derive(MutationKey)]
pub enum Keys {
    r#Type,
    Todos,
}

// (askama reads no raw identifiers, so the template shows another field.)
#[reactive(react = [Keys::r#Type, Keys::Todos], source = "<li>{{ title }}</li>")]
pub struct Row {
    #[pjx_key]
    r#match: i64,
    r#type: String,
    title: String,
}

#[reactive]
impl Row {
    async fn load(r#match: i64, cx: Cx<'_>) -> Result<Self, LoadError> {
        let _ = cx;
        Ok(Row { r#match, r#type: "t".into(), title: "t".into() })
    }
}

#[reactive(react = [Keys::Todos], source = "<b>{{ n }}</b>")]
pub struct Count {
    n: usize,
}

#[reactive]
impl Count {
    // One parameter, the context under another name: a singleton's `load`.
    async fn load(cx: &Ctx) -> Result<Self, LoadError> {
        let _ = cx;
        Ok(Count { n: 1 })
    }
}

#[component(name = "likes", source = "<p>{{ n }}</p>")]
#[derive(Ser, De)]
pub struct Likes {
    n: u32,
    #[pjx(locked)]
    secret: String,
}

#[component]
impl Likes {
    fn mount(cx: Cx<'_>) -> Likes {
        let _ = cx;
        Likes { n: 0, secret: "s".into() }
    }

    fn restore(&mut self, _: &Ctx) {
        self.secret = "s".into();
    }

    fn r#on_match(&mut self, r#type: u32, _: Cx<'_>) {
        self.n += r#type;
    }
}

fn main() {
    assert_eq!(Keys::r#Type.wire_name(), "type");
    assert_eq!(format!("{:?}", Keys::r#Type), "Keys::Type");
    let row = Row { r#match: 7, r#type: "t".into(), title: "t".into() };
    assert_eq!(row.region_id(), "row-7");
    assert!(row.to_html().unwrap().contains(r#"data-pjx-reacts="type todos""#));

    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let mut t = ComponentTest::<Likes>::new();
        t.mount(serde_json::json!({})).await.unwrap();
        t.dispatch("match", serde_json::json!({ "type": 2 })).await.unwrap();
        assert_eq!(t.state().n, 2);
        assert_eq!(t.client_state().secret, "");
    });
}
