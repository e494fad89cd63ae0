//! Who is signed in, and the protections around it: password hashing, login tokens and
//! cookies, CSRF tokens and the Origin check, sign-in throttling.

pub mod csrf;
pub mod login;
pub mod password;
pub mod throttle;
pub mod token;

pub use login::{CurrentLogin, MaybeLogin};
