//! pjx's errors as actix-web errors (the `actix` feature, which `pjx-actix` turns on): `?`
//! turns a [`LoadError`], an [`EventError`] or a [`RenderError`] into an `actix_web::Error`
//! with the right status, in any handler that returns `actix_web::Result`.
//!
//! | error | status |
//! |---|---|
//! | `LoadError::NotFound` | 404 |
//! | `LoadError::Failed` | 500 (details logged, not sent) |
//! | `EventError` | its [`status`](EventError::status) (401, 403, 404, 422, 429, …) |
//! | `RenderError` | 500 (details logged, not sent) |
//!
//! Every body has the one JSON error shape of the dispatch route (`{"error": {"status",
//! "code", "message"}}`; a 429 also carries `Retry-After`).
//!
//! ```
//! use actix_web::ResponseError;
//! use pjx::LoadError;
//!
//! async fn page() -> actix_web::Result<String> {
//!     let found: Result<String, LoadError> = Err(LoadError::NotFound);
//!     Ok(found?) // a 404
//! }
//! assert_eq!(LoadError::NotFound.status_code(), 404);
//! ```

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::component::RenderError;
use crate::load::LoadError;
use crate::stateful::EventError;

/// The JSON error response of `e`; server errors are logged with their details.
fn event_error_response(e: &EventError) -> HttpResponse {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(target: "pjx::actix", "{e}");
    } else {
        tracing::debug!(target: "pjx::actix", "{e}");
    }
    let mut res = HttpResponse::build(status);
    if let Some(seconds) = e.retry_after() {
        res.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
    }
    res.json(e.to_json())
}

/// A 404 (`not_found`) for [`LoadError::NotFound`], else a 500 whose details are logged.
impl ResponseError for LoadError {
    fn status_code(&self) -> StatusCode {
        match self {
            LoadError::NotFound => StatusCode::NOT_FOUND,
            LoadError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        event_error_response(&match self {
            LoadError::NotFound => EventError::NotFound,
            LoadError::Failed(e) => EventError::internal(format!("load failed: {e}")),
        })
    }
}

/// The status [`EventError::status`] names, with the JSON error shape.
impl ResponseError for EventError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        event_error_response(self)
    }
}

/// A 500 whose details (the component, the template's error) are logged, not sent.
impl ResponseError for RenderError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        event_error_response(&EventError::internal(self.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;

    fn body(res: HttpResponse) -> serde_json::Value {
        let bytes = res.into_body().try_into_bytes().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn load_errors_are_404_or_a_500_that_keeps_its_details() {
        assert_eq!(LoadError::NotFound.status_code(), StatusCode::NOT_FOUND);
        let res = LoadError::NotFound.error_response();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(body(res)["error"]["code"], "not_found");
        let failed = LoadError::msg("db password is hunter2");
        assert_eq!(failed.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let res = failed.error_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body(res).to_string();
        assert!(!body.contains("hunter2"), "{body}");
        assert!(body.contains("\"internal\""), "{body}");
    }

    #[test]
    fn event_errors_keep_their_status_and_retry_after() {
        let cases = [
            (EventError::Unauthenticated, 401),
            (EventError::Forbidden, 403),
            (EventError::NotFound, 404),
            (EventError::invalid("qty", "too many"), 422),
            (EventError::UnknownComponent("x".into()), 404),
            (EventError::internal("secret"), 500),
        ];
        for (e, status) in cases {
            assert_eq!(e.status_code().as_u16(), status, "{e}");
            assert_eq!(e.error_response().status().as_u16(), status, "{e}");
        }
        let limited = EventError::RateLimited(std::time::Duration::from_millis(1500));
        let res = limited.error_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "2");
        let e = EventError::invalid("qty", "too many");
        assert_eq!(body(e.error_response())["error"]["field"], "qty");
    }

    #[test]
    fn render_errors_are_500s_without_details() {
        let e = RenderError::new(
            "Secret",
            crate::component::RenderErrorKind::Template(askama::Error::Fmt),
        );
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body(e.error_response()).to_string();
        assert!(!body.contains("Secret"), "{body}");
    }

    #[test]
    fn question_mark_turns_them_into_actix_errors() {
        fn handler() -> actix_web::Result<()> {
            Err(LoadError::NotFound)?
        }
        let e = handler().unwrap_err();
        assert_eq!(e.as_response_error().status_code(), StatusCode::NOT_FOUND);
    }
}
