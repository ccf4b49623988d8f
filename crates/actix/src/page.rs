//! A page loaded whole, as an extractor.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use pjx::{Component, LoadPage};

use crate::render::{Error, Html};
use crate::scope::RequestScope;

/// A page whose regions all load themselves (`#[derive(LoadPage)]`), loaded from the
/// request's context before the handler runs. A region's `load` failing fails the request
/// with its status (404 for `LoadError::NotFound`, 500 otherwise).
///
/// ```
/// use pjx::prelude::*;
/// use pjx_actix::{Html, Loaded};
///
/// # #[derive(MutationKey)] enum Keys { Todos }
/// #[reactive(react = [Keys::Todos], source = "<b>{{ n }}</b>")]
/// struct Counter { n: usize }
/// #[reactive]
/// impl Counter {
///     async fn load() -> Result<Self, LoadError> { Ok(Counter { n: 0 }) }
/// }
///
/// #[component(source = "<main>{{ counter }}</main>")]
/// #[derive(LoadPage)]
/// struct Page { counter: Counter }
///
/// async fn index(page: Loaded<Page>) -> Html<Page> {
///     page.into_html()
/// }
/// ```
#[derive(Debug)]
pub struct Loaded<T>(pub T);

impl<T> Loaded<T> {
    /// The page.
    pub fn into_inner(self) -> T {
        self.0
    }

    /// The page as the response: `Html(page)`.
    pub fn into_html(self) -> Html<T>
    where
        T: Component,
    {
        Html(self.0)
    }
}

impl<T> Deref for Loaded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Loaded<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: LoadPage + 'static> FromRequest for Loaded<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let scope = RequestScope::from_request(req, payload).into_inner();
        Box::pin(async move {
            let scope = scope?;
            let page = T::load_page(scope.load_cx()).await.map_err(Error::from)?;
            Ok(Loaded(page))
        })
    }
}
