//! A local SMTP server for the tests: real sockets on loopback, the SMTP dialogue by the
//! `mailin` crate; it keeps each message it accepts, or answers every MAIL with a temporary
//! failure while told to.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message as the server received it.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent (dot-unstuffed by the dialogue).
    pub data: String,
}

impl Mail {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push(' ');
                    v.push_str(line.trim_start());
                    continue;
                }
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case(name) {
                    value = Some(v.trim().to_string());
                }
            }
        }
        value
    }
}

#[derive(Clone, Default)]
pub struct SmtpServer {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
    /// While set, every MAIL FROM is answered 451 (try again later).
    pub refuse: Arc<AtomicBool>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let s = SmtpServer {
            port: listener.local_addr().unwrap().port(),
            ..Default::default()
        };
        let (mails, refuse) = (s.mails.clone(), s.refuse.clone());
        tokio::spawn(async move {
            while let Ok((sock, addr)) = listener.accept().await {
                let h = Collect {
                    mails: mails.clone(),
                    refuse: refuse.clone(),
                    now: Mail::default(),
                };
                tokio::spawn(session(sock, addr.ip(), h));
            }
        });
        s
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

struct Collect {
    mails: Arc<Mutex<Vec<Mail>>>,
    refuse: Arc<AtomicBool>,
    now: Mail,
}

impl mailin::Handler for Collect {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> mailin::Response {
        if self.refuse.load(Ordering::SeqCst) {
            return mailin::response::INTERNAL_ERROR;
        }
        mailin::response::OK
    }

    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin::Response {
        self.now = Mail {
            from: from.to_string(),
            to: to.to_vec(),
            data: String::new(),
        };
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.now.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> mailin::Response {
        let m = std::mem::take(&mut self.now);
        self.mails.lock().unwrap().push(m);
        mailin::response::OK
    }
}

async fn session(sock: tokio::net::TcpStream, ip: IpAddr, h: Collect) {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    let mut s = mailin::SessionBuilder::new("corridor-test-smtp").build(ip, h);
    let Ok(greeting) = s.greeting().buffer() else {
        return;
    };
    if w.write_all(&greeting).await.is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let res = s.process(&line);
        match res.action {
            mailin::Action::NoReply => continue,
            mailin::Action::Reply | mailin::Action::Close => {
                let Ok(b) = res.buffer() else { return };
                if w.write_all(&b).await.is_err() || res.action == mailin::Action::Close {
                    return;
                }
            }
            mailin::Action::UpgradeTls => return,
        }
    }
}
