//! One SSH session channel: a reader task that never stops draining the channel, and a worker that runs
//! the line discipline (echo, Enter as `\r`/`\n`/`\r\n`, NUL ignored, CRLF out), the pager, latency and
//! faults. Split in two because sleeping must never stall russh's connection loop: the reader only queues,
//! the worker may wait as long as it likes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::server::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use tokio::sync::mpsc;

use super::faults::{self, DROP_OUTPUT_KB, Fault};
use super::model::Device;
use super::quirks::{self, Quirks};
use super::vendors::{self, Pager, Reply, Session};

/// Chunks of input queued while the worker is busy (a sleep, a pager). Past that the device drops
/// typeahead, as a real one does when its input buffer fills, rather than stalling the connection.
const INPUT_QUEUE: usize = 1024;
/// Longest command line kept; further characters are dropped (IOS allows a few thousand).
pub const MAX_LINE: usize = 4096;
/// Lines per screen before the pager stops output (IOS's default terminal length is 24).
const PAGE_LINES: usize = 24;

/// What a device channel needs to know about its device and the lab options.
#[derive(Clone)]
pub struct DeviceCtx {
    /// The shared model, locked only for the short, non-blocking handling of one line.
    pub model: Arc<Mutex<Device>>,
    /// Added to every command.
    pub latency: Duration,
    /// Holds the first prompt.
    pub login_delay: Duration,
    /// What `enable` asks for.
    pub enable_secret: String,
    /// How this device departs from the vendor's textbook (none by default).
    pub quirks: Arc<Quirks>,
    /// The connection's login, ended at the first prompt (or exec) of its channels.
    pub login: Option<Arc<super::logins::Span>>,
}

enum Input {
    Data(Vec<u8>),
    Shell,
    Exec(String),
}

/// Reads bytes from the queue, folding `\r\n` and a lone `\n` into `\r`, so every Enter is one key.
struct Keys {
    rx: mpsc::Receiver<Input>,
    buf: std::collections::VecDeque<u8>,
    last_cr: bool,
}

impl Keys {
    async fn next_event(&mut self) -> Option<Input> {
        self.rx.recv().await
    }

    async fn next_key(&mut self) -> Option<u8> {
        loop {
            while let Some(b) = self.buf.pop_front() {
                let was_cr = std::mem::replace(&mut self.last_cr, b == b'\r');
                match b {
                    b'\n' if was_cr => continue,
                    b'\n' => return Some(b'\r'),
                    _ => return Some(b),
                }
            }
            match self.rx.recv().await? {
                Input::Data(d) => self.buf.extend(d),
                Input::Shell | Input::Exec(_) => {}
            }
        }
    }
}

/// Runs a session channel until the client closes it or the connection ends.
pub async fn run(
    channel: russh::Channel<Msg>,
    ctx: DeviceCtx,
    user: String,
    handle: russh::server::Handle,
) {
    let (read, write) = channel.split();
    let (tx, rx) = mpsc::channel(INPUT_QUEUE);
    let reader = tokio::spawn(read_loop(read, tx));
    let mut keys = Keys {
        rx,
        buf: Default::default(),
        last_cr: false,
    };
    let session = {
        let platform = lock(&ctx.model).platform;
        vendors::session(platform, &user, &ctx.enable_secret)
    };
    let mut worker = Worker {
        write,
        ctx,
        session,
        handle,
    };
    while let Some(ev) = keys.next_event().await {
        match ev {
            Input::Shell => {
                worker.shell(&mut keys).await;
                break;
            }
            Input::Exec(cmd) => {
                worker.exec(&cmd, &mut keys).await;
                break;
            }
            // Data before a shell or exec request has nowhere to go.
            Input::Data(_) => {}
        }
    }
    // The reader ends by itself when the channel closes; it holds nothing the worker needs.
    drop(keys);
    let _ = reader.await;
}

/// Drains the channel into the queue. It must never wait on the worker: russh delivers every channel's
/// messages from one connection loop, and a blocked reader would freeze the whole connection.
async fn read_loop(mut read: ChannelReadHalf, tx: mpsc::Sender<Input>) {
    while let Some(msg) = read.wait().await {
        let ev = match msg {
            ChannelMsg::Data { data } => Input::Data(data.to_vec()),
            ChannelMsg::RequestShell { .. } => Input::Shell,
            ChannelMsg::Exec { command, .. } => {
                Input::Exec(String::from_utf8_lossy(&command).into_owned())
            }
            ChannelMsg::Eof | ChannelMsg::Close => break,
            _ => continue,
        };
        // A full queue (or a worker that has finished) drops the input, never blocks.
        let _ = tx.try_send(ev);
    }
}

fn lock(m: &Mutex<Device>) -> std::sync::MutexGuard<'_, Device> {
    // A panic while holding the lock can only come from a bug in a renderer; the model is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Worker {
    write: ChannelWriteHalf<Msg>,
    ctx: DeviceCtx,
    session: Box<dyn Session>,
    handle: russh::server::Handle,
}

/// How output to the terminal ended.
enum Sent {
    Done,
    /// The client went away (channel closed) while we waited at the pager.
    Gone,
}

impl Worker {
    async fn send(&self, s: &str) -> bool {
        if s.is_empty() {
            return true;
        }
        self.write.data(s.as_bytes()).await.is_ok()
    }

    /// The `lab drop` fault: the first half of `text`, then the connection cut mid-output,
    /// as a device that crashes or loses its link does.
    async fn drop_mid_output(&self, text: &str) {
        let _ = self.send(&text[..text.len() / 2]).await;
        let _ = self
            .handle
            .disconnect(
                russh::Disconnect::ByApplication,
                "lab drop".into(),
                "en".into(),
            )
            .await;
    }

    /// The prompt as this device draws it (the vendor's, unless a quirk redraws it).
    fn prompt(&self, dev: &Device) -> String {
        self.ctx.quirks.prompt(
            self.session.prompt(dev),
            self.session.mode(),
            &dev.hostname,
            dev.platform,
        )
    }

    /// Everything between authentication and the first prompt; `false` when the session
    /// ends there (the client left, or a quirk refuses to go on).
    async fn login(&mut self, keys: &mut Keys) -> bool {
        let q = self.ctx.quirks.clone();
        if q.press_return
            && !(self
                .send("\r\n\r\nPress RETURN to get started.\r\n\r\n")
                .await
                && wait_for_return(keys).await)
        {
            return false;
        }
        if q.needs_return && !wait_for_return(keys).await {
            return false;
        }
        let (banner, host) = {
            let dev = lock(&self.ctx.model);
            (self.session.banner(&dev), dev.hostname.clone())
        };
        if !self.send(&crlf(&banner)).await {
            return false;
        }
        if q.banner_prompt_chars {
            let (body, last) = Quirks::prompt_char_banner(&host);
            if !self.send(&crlf(&(body + &last))).await {
                return false;
            }
            tokio::time::sleep(quirks::BANNER_HOLD).await;
            if !self.send("\r\n").await {
                return false;
            }
        }
        if q.authorization_failed {
            let _ = self.send("% Authorization failed.\r\n").await;
            return false;
        }
        if q.password_change {
            let mut ask = "Your password has expired and must be changed.\r\nNew password: ";
            // Asks again after every answer: the client must give up by itself.
            while self.send(ask).await && wait_for_return(keys).await {
                ask = "\r\nPassword change failed.\r\nNew password: ";
            }
            return false;
        }
        if q.motd_pager {
            let pager = self.session.pager();
            if let Sent::Gone = self.output(&Quirks::motd(&host), pager, keys).await {
                return false;
            }
        }
        true
    }

    async fn shell(&mut self, keys: &mut Keys) {
        if !self.ctx.login_delay.is_zero() {
            tokio::time::sleep(self.ctx.login_delay).await;
        }
        if !self.login(keys).await {
            let _ = self.write.eof().await;
            let _ = self.write.close().await;
            return;
        }
        let first = crlf(&self.prompt(&lock(&self.ctx.model)));
        if !self.send(&first).await {
            return;
        }
        if let Some(login) = &self.ctx.login {
            login.end();
        }
        let mut line = String::new();
        while let Some(key) = keys.next_key().await {
            let alive = match key {
                // NUL is netmiko's liveness probe; a device ignores it.
                0 => true,
                b'\r' => {
                    let typed = std::mem::take(&mut line);
                    self.send(self.session.newline()).await && self.enter(&typed, keys).await
                }
                0x08 | 0x7f => {
                    let erased = line.pop().is_some() && self.session.echo();
                    !erased || self.send("\x08 \x08").await
                }
                // Ctrl-C abandons the line; Ctrl-Z in config mode is `end`.
                0x03 => {
                    line.clear();
                    let p = crlf(&self.prompt(&lock(&self.ctx.model)));
                    self.send(&format!("^C\r\n{p}")).await
                }
                0x1a => {
                    line.clear();
                    self.send("^Z\r\n").await && self.enter("end", keys).await
                }
                // Past MAX_LINE the device drops characters instead of growing the line.
                b if (b >= 0x20 || b == b'\t') && line.len() < MAX_LINE => {
                    let c = if b == b'\t' { ' ' } else { char::from(b) };
                    line.push(c);
                    !self.session.echo() || self.send(c.encode_utf8(&mut [0; 4])).await
                }
                _ => true,
            };
            if !alive {
                break;
            }
        }
        let _ = self.write.eof().await;
        let _ = self.write.close().await;
    }

    /// Handles one entered line; `false` when the session is over.
    async fn enter(&mut self, line: &str, keys: &mut Keys) -> bool {
        if !self.ctx.latency.is_zero() {
            tokio::time::sleep(self.ctx.latency).await;
        }
        let mut paging_override = None;
        let refused = self.ctx.quirks.refuses(line) && self.session.echo();
        let reply = match faults::parse(line).filter(|_| self.session.echo() && !refused) {
            _ if refused => {
                let dev = lock(&self.ctx.model);
                let shown = self.prompt(&dev);
                let width = shown.rsplit('\n').next().unwrap_or_default().len();
                Reply::text(quirks::refused(dev.platform, line, width))
            }
            Some(Ok(fault)) => match fault {
                Fault::Sleep(d) => {
                    tokio::time::sleep(d).await;
                    Reply::none()
                }
                Fault::Hang => {
                    // Keep draining input so the connection stays healthy, but never answer.
                    while keys.next_key().await.is_some() {}
                    return false;
                }
                Fault::Drop => {
                    self.drop_mid_output(&crlf(&faults::flood_text(DROP_OUTPUT_KB)))
                        .await;
                    return false;
                }
                Fault::Flood(kb) => Reply::page(faults::flood_text(kb)),
            },
            Some(Err(usage)) => Reply::text(usage),
            None => {
                let (base, pipe) = match line.split_once('|') {
                    Some((b, p)) if self.session.echo() => (b.trim_end(), Some(p)),
                    _ => (line, None),
                };
                let mut dev = lock(&self.ctx.model);
                let mut reply = self.session.line(base, &mut dev);
                if let Some(pipe) = pipe
                    && reply.pageable
                {
                    if pipe.trim().starts_with("no-more") {
                        paging_override = Some(false);
                    }
                    reply.text =
                        vendors::filter(&reply.text, pipe).unwrap_or_else(|| reply.text.clone());
                }
                reply
            }
        };
        let paging = paging_override.unwrap_or(self.session.paging());
        let pager = self.session.pager().filter(|_| paging && reply.pageable);
        if let Sent::Gone = self.output(&reply.text, pager, keys).await {
            return false;
        }
        if reply.close {
            return false;
        }
        let prompt = crlf(&self.prompt(&lock(&self.ctx.model)));
        self.send(&prompt).await
    }

    /// Sends output, stopping at the pager every screen when one is given. Space shows the next screen,
    /// Enter one more line, anything else (q, Ctrl-C) drops the rest.
    async fn output(&self, text: &str, pager: Option<Pager>, keys: &mut Keys) -> Sent {
        let Some(pager) = pager else {
            return if self.send(&crlf(text)).await {
                Sent::Done
            } else {
                Sent::Gone
            };
        };
        let lines: Vec<&str> = text.lines().collect();
        let mut budget = PAGE_LINES - 1;
        let mut chunk = String::new();
        for (n, l) in lines.iter().enumerate() {
            chunk.push_str(l);
            chunk.push_str("\r\n");
            budget -= 1;
            if budget == 0 && n + 1 < lines.len() {
                let pct = (n + 1) * 100 / lines.len();
                chunk.push_str(&pager.prompt.replace("{pct}", &pct.to_string()));
                if !self.send(&std::mem::take(&mut chunk)).await {
                    return Sent::Gone;
                }
                let key = loop {
                    match keys.next_key().await {
                        None => return Sent::Gone,
                        Some(0) => continue,
                        Some(k) => break k,
                    }
                };
                chunk.push_str(pager.erase);
                match key {
                    b' ' => budget = PAGE_LINES - 1,
                    b'\r' => budget = 1,
                    _ => break,
                }
            }
        }
        if self.send(&chunk).await {
            Sent::Done
        } else {
            Sent::Gone
        }
    }

    /// An exec channel: run one command, send stdout, stderr, the exit status, EOF and close.
    async fn exec(&mut self, cmd: &str, keys: &mut Keys) {
        if let Some(login) = &self.ctx.login {
            login.end();
        }
        if !self.ctx.latency.is_zero() {
            tokio::time::sleep(self.ctx.latency).await;
        }
        let (out, err, status) = match faults::parse(cmd) {
            Some(Ok(Fault::Sleep(d))) => {
                tokio::time::sleep(d).await;
                (String::new(), String::new(), 0)
            }
            Some(Ok(Fault::Hang)) => {
                while keys.next_key().await.is_some() {}
                return;
            }
            Some(Ok(Fault::Drop)) => {
                self.drop_mid_output(&faults::flood_text(DROP_OUTPUT_KB))
                    .await;
                return;
            }
            Some(Ok(Fault::Flood(kb))) => (faults::flood_text(kb), String::new(), 0),
            Some(Err(usage)) => (String::new(), usage, 2),
            None => self.session.exec(cmd, &mut lock(&self.ctx.model)),
        };
        // Exec output is not a terminal: no CRLF translation, as sshd without a PTY sends it.
        let _ = self.send(&out).await;
        if !err.is_empty() {
            let _ = self.write.extended_data(1, err.as_bytes()).await;
        }
        let _ = self.write.exit_status(status).await;
        let _ = self.write.eof().await;
        let _ = self.write.close().await;
    }
}

/// Waits for a return (other keys are ignored); `false` when the client went away.
async fn wait_for_return(keys: &mut Keys) -> bool {
    loop {
        match keys.next_key().await {
            Some(b'\r') => return true,
            Some(_) => continue,
            None => return false,
        }
    }
}

/// Converts `\n` line endings to the CRLF a terminal gets.
pub fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}
