//! The CloudWatch Logs filter pattern language (being written).
