//! Runs every bad input and injected failure against moto and the local
//! stand-ins and prints the outcomes as a markdown table. The 10,000-event
//! batch also goes to moto here, which the tests leave out for time.

use activity_aware_aws_tests::Moto;
use activity_aware_hardening_tests::{Scale, markdown, run_all};

#[tokio::main]
async fn main() {
    let moto = Moto::start();
    let rows = run_all(&moto, Scale::Full).await;
    print!("{}", markdown(&rows));
}
