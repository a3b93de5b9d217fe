//! The one integration-test binary (each extra one costs a link on a 2-core machine).
//! PostgreSQL halves run when CORRIDOR_TEST_POSTGRES_URL is set (e.g.
//! postgres://postgres@127.0.0.1:5432/postgres); each test creates and drops its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod amounts;
mod api;
mod auctions;
mod calls;
pub mod cases;
mod catalogue;
pub mod cli;
mod exchange;
mod federation;
mod finance;
mod helpers;
mod industry;
mod joint;
mod licences;
mod materials;
mod notices;
mod projects;
mod security;
mod smtp;
mod storage;
pub mod web;
