//! The HTTP interface. For now every write answers with a redirect back to the page (plain
//! HTML forms, no JavaScript); out-of-band updates arrive with the adapter's responders.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, Responder, web};
use pjx::{Asset, Component, LoadCx};
use serde::Deserialize;

use crate::components::Page;
use crate::store::{Store, StoreError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/assets/app.css", web::get().to(stylesheet))
        .route("/todos", web::post().to(add))
        .route("/rows/{id}/toggle", web::post().to(toggle))
        .route("/todos/clear-completed", web::post().to(clear_completed));
}

fn load_cx(store: &web::Data<Store>) -> LoadCx {
    LoadCx::new().with(Arc::clone(&store.clone().into_inner()))
}

fn back_to_page() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish()
}

fn server_error(error: impl std::fmt::Display) -> HttpResponse {
    tracing::error!("{error}");
    HttpResponse::InternalServerError().body("something went wrong")
}

async fn index(store: web::Data<Store>) -> HttpResponse {
    let page = match Page::load(&load_cx(&store)).await {
        Ok(page) => page,
        Err(e) => return server_error(e),
    };
    match page.to_html() {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => server_error(e),
    }
}

async fn stylesheet() -> impl Responder {
    let css = Page::assets()
        .iter()
        .find_map(|a| match a {
            Asset::Css { content, .. } => Some(*content),
            _ => None,
        })
        .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(css)
}

#[derive(Deserialize)]
struct NewTodo {
    text: Option<String>,
}

async fn add(store: web::Data<Store>, form: web::Form<NewTodo>) -> HttpResponse {
    match store.add(form.text.as_deref().unwrap_or_default()) {
        Ok(_) => back_to_page(),
        Err(e @ StoreError::Blank) => HttpResponse::UnprocessableEntity().body(e.to_string()),
        Err(e) => server_error(e),
    }
}

async fn toggle(store: web::Data<Store>, id: web::Path<i64>) -> HttpResponse {
    match store.toggle(id.into_inner()) {
        Ok(_) => back_to_page(),
        Err(e @ StoreError::NotFound(_)) => HttpResponse::NotFound().body(e.to_string()),
        Err(e) => server_error(e),
    }
}

async fn clear_completed(store: web::Data<Store>) -> HttpResponse {
    store.clear_completed();
    back_to_page()
}
