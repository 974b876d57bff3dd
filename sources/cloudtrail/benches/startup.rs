/*!
Start-up time of the Lambda binaries: from the moment the process is
started until it asks the runtime API for its first event
(`GET /2018-06-01/runtime/invocation/next`).

A stand-in for the Lambda runtime API listens on a local port; each binary
is started with the environment Lambda gives a function, the stand-in
notes when the first request for an event arrives, and the process is
stopped. Each binary is started a few times; the median is reported.

The binaries are taken from `BENCH_BIN_DIR` (else `release` in the target
directory); results go to `startup.json` in `BENCH_OUT` (else
`activity-aware-bench` in the target directory).
*/

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// Measured starts per binary, after one start that is not counted.
const RUNS: usize = 11;

/// How long a start may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The binaries, with the environment each needs beyond Lambda's own.
const FUNCTIONS: [(&str, &[(&str, &str)]); 2] = [
    (
        "source-cloudtrail",
        &[("TOPIC_ARN", "arn:aws:sns:us-east-1:111122223333:t")],
    ),
    (
        "destination-slack",
        &[(
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        )],
    ),
];

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn fail(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(1)
}

/// Stops the function when the measurement ends, however it ends.
struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads one request's head and sends its request line on.
fn serve(listener: TcpListener, seen: mpsc::Sender<(Instant, String)>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let seen = seen.clone();
        thread::spawn(move || read_request(stream, &seen));
    }
}

fn read_request(stream: TcpStream, seen: &mpsc::Sender<(Instant, String)>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_ok() {
        let _ = seen.send((Instant::now(), line.trim_end().to_owned()));
    }
    // The connection stays open, unanswered, until the function is stopped:
    // the stand-in never hands out an event.
    let mut rest = String::new();
    while reader.read_line(&mut rest).map(|n| n > 0).unwrap_or(false) {
        rest.clear();
    }
}

/// Starts the binary once and times its first request for an event.
fn start_once(
    binary: &Path,
    env: &[(&str, &str)],
    api: &str,
    seen: &mpsc::Receiver<(Instant, String)>,
) -> Result<Duration, String> {
    while seen.try_recv().is_ok() {}

    let mut command = Command::new(binary);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", api)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_SESSION_TOKEN", "bench")
        .env("AWS_LAMBDA_FUNCTION_NAME", "activity-aware-bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]00000000000000000000000000000000",
        )
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/activity-aware-bench",
        )
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());

    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
    let mut function = Function(child);

    loop {
        let left = TIMEOUT.saturating_sub(started.elapsed());
        match seen.recv_timeout(left.min(Duration::from_millis(20))) {
            Ok((at, line)) if line.starts_with(&format!("GET {NEXT} ")) => {
                return Ok(at.duration_since(started));
            }
            Ok((_, line)) => return Err(format!("asked the runtime API for `{line}` first")),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err("the stand-in runtime API stopped".to_owned());
            }
        }

        if let Ok(Some(status)) = function.0.try_wait() {
            let mut stderr = String::new();
            if let Some(mut pipe) = function.0.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            let last = stderr.lines().last().unwrap_or_default().to_owned();
            return Err(format!(
                "exited ({status}) without asking for an event: {last}"
            ));
        }
        if started.elapsed() >= TIMEOUT {
            return Err(format!("did not ask for an event within {TIMEOUT:?}"));
        }
    }
}

fn measure(
    binary: &Path,
    env: &[(&str, &str)],
    api: &str,
    seen: &mpsc::Receiver<(Instant, String)>,
) -> Value {
    if !binary.is_file() {
        return json!({"error": format!("not built: {}", binary.display())});
    }

    let mut runs = Vec::with_capacity(RUNS);
    for round in 0..=RUNS {
        match start_once(binary, env, api, seen) {
            // The first start warms the page cache and is not counted.
            Ok(_) if round == 0 => {}
            Ok(time) => runs.push(time.as_secs_f64() * 1000.0),
            Err(error) => return json!({"error": error}),
        }
    }

    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    json!({
        "median_ms": sorted[sorted.len() / 2],
        "min_ms": sorted[0],
        "max_ms": sorted[sorted.len() - 1],
        "runs_ms": runs,
    })
}

fn main() {
    // `cargo bench` passes `--bench`; a name given after `--` picks one binary.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();

    let bins = std::env::var_os("BENCH_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("release"));
    let out = std::env::var_os("BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("activity-aware-bench"));

    let listener = TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|error| fail(&format!("cannot listen on a local port: {error}")));
    let api = listener
        .local_addr()
        .map(|address| address.to_string())
        .unwrap_or_else(|error| fail(&format!("no local address: {error}")));
    let (sender, seen) = mpsc::channel();
    thread::spawn(move || serve(listener, sender));

    let mut results = serde_json::Map::new();
    for (name, env) in FUNCTIONS {
        if !only.is_empty() && !only.iter().any(|wanted| wanted == name) {
            continue;
        }
        let result = measure(&bins.join(name), env, &api, &seen);
        println!("startup {name}: {result}");
        results.insert(name.to_owned(), result);
    }

    if let Err(error) = std::fs::create_dir_all(&out).and_then(|()| {
        std::fs::write(
            out.join("startup.json"),
            serde_json::to_string_pretty(&Value::Object(results)).unwrap_or_default(),
        )
    }) {
        fail(&format!("cannot write {}: {error}", out.display()));
    }
}
