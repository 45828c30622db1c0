//! A tiny HTTP/1.1 proxy on 127.0.0.1 in front of moto that injects faults: throttling (400
//! `Throttling`) and server errors (500) on every Nth request, for a bounded number of requests,
//! and AccessDenied for chosen actions. One request per connection, `Connection: close`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy breaks.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Every Nth request gets a fault (0: never), alternating throttling and HTTP 500.
    pub every_nth: usize,
    /// At most this many such faults in all.
    pub max_faults: usize,
    /// Actions (`ListMFADevices`, `DescribeOrganization`, ...) always answered AccessDenied.
    pub deny: Vec<String>,
}

/// What the proxy saw and did.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicUsize,
    pub throttled: AtomicUsize,
    pub server_errors: AtomicUsize,
    pub denied: AtomicUsize,
    pub actions: Mutex<BTreeMap<String, usize>>,
}

impl Stats {
    pub fn faults(&self) -> usize {
        self.throttled.load(Ordering::SeqCst) + self.server_errors.load(Ordering::SeqCst)
    }
    pub fn count(&self, action: &str) -> usize {
        self.actions
            .lock()
            .unwrap()
            .get(action)
            .copied()
            .unwrap_or(0)
    }
}

pub struct Proxy {
    pub url: String,
    pub stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the proxy in front of `upstream` (`http://127.0.0.1:PORT`).
pub async fn start(upstream: &str, faults: Faults) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let stats = Arc::new(Stats::default());
    let upstream = super::authority(upstream).to_owned();
    let faults = Arc::new(faults);
    let task = {
        let stats = stats.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let (stats, faults, upstream) = (stats.clone(), faults.clone(), upstream.clone());
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, &faults, &stats).await;
                });
            }
        })
    };
    Proxy { url, stats, task }
}

struct Request {
    head: Vec<u8>,
    body: Vec<u8>,
    action: String,
    json: bool,
}

async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    // Query protocol (IAM, STS): `Action=...` in the form body. JSON protocol
    // (Organizations): `X-Amz-Target: Service.Action`.
    let (action, json) = match header("x-amz-target") {
        Some(t) => (t.rsplit('.').next().unwrap_or_default().to_owned(), true),
        None => (
            String::from_utf8_lossy(&body)
                .split('&')
                .find_map(|kv| kv.strip_prefix("Action="))
                .unwrap_or_default()
                .to_owned(),
            false,
        ),
    };
    // Every connection carries one request: the answer says so, and so does what moto sees.
    let head = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect::<String>()
        + "Connection: close\r\n\r\n";
    Ok(Some(Request {
        head: head.into_bytes(),
        body,
        action,
        json,
    }))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn serve(
    mut client: TcpStream,
    upstream: &str,
    faults: &Faults,
    stats: &Stats,
) -> std::io::Result<()> {
    let Some(req) = read_request(&mut client).await? else {
        return Ok(());
    };
    let n = stats.requests.fetch_add(1, Ordering::SeqCst) + 1;
    *stats
        .actions
        .lock()
        .unwrap()
        .entry(req.action.clone())
        .or_default() += 1;

    if faults.deny.contains(&req.action) {
        stats.denied.fetch_add(1, Ordering::SeqCst);
        let message = format!(
            "User: arn:aws:sts::000000000000:assumed-role/test/test is not authorized to perform: {}",
            req.action
        );
        let code = if req.json {
            "AccessDeniedException"
        } else {
            "AccessDenied"
        };
        return reply(&mut client, 403, &req, code, &message).await;
    }
    if faults.every_nth > 0
        && n.is_multiple_of(faults.every_nth)
        && stats.faults() < faults.max_faults
    {
        if stats.faults().is_multiple_of(2) {
            stats.throttled.fetch_add(1, Ordering::SeqCst);
            let code = if req.json {
                "TooManyRequestsException"
            } else {
                "Throttling"
            };
            return reply(&mut client, 400, &req, code, "Rate exceeded").await;
        }
        stats.server_errors.fetch_add(1, Ordering::SeqCst);
        let code = if req.json {
            "ServiceException"
        } else {
            "ServiceFailure"
        };
        return reply(&mut client, 500, &req, code, "Internal failure").await;
    }

    let mut up = TcpStream::connect(upstream).await?;
    up.write_all(&req.head).await?;
    up.write_all(&req.body).await?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).await?;
    client.write_all(&answer).await?;
    client.shutdown().await
}

async fn reply(
    client: &mut TcpStream,
    status: u16,
    req: &Request,
    code: &str,
    message: &str,
) -> std::io::Result<()> {
    let (content_type, body) = if req.json {
        (
            "application/x-amz-json-1.1",
            format!(r#"{{"__type":"{code}","Message":"{message}"}}"#),
        )
    } else {
        (
            "text/xml",
            format!(
                "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>{}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>proxy-{status}</RequestId></ErrorResponse>",
                if status >= 500 { "Receiver" } else { "Sender" }
            ),
        )
    };
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        _ => "Internal Server Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: proxy\r\nConnection: close\r\n\r\n",
        body.len()
    );
    client.write_all(head.as_bytes()).await?;
    client.write_all(body.as_bytes()).await?;
    client.shutdown().await
}
