//! Hiding the secrets a database or Redis URL may carry, for `GET /config`, logs and error
//! messages. The rule errs towards hiding: anything that could be a password goes, even if
//! a little of the URL goes with it.

/// What replaces a secret.
const HIDDEN: &str = "<redacted>";

/// Query keys (compared lower-case, after percent-decoding) whose value is a secret:
/// libpq's `password` / `sslpassword`, redis's `password` / `pass`, and the usual spellings.
fn is_secret_key(key: &str) -> bool {
    let key = percent_decode(key).to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "auth", "key"]
        .iter()
        .any(|word| key.contains(word))
}

/// Hides the password in every URL form a database or Redis URL takes:
/// `scheme://user:password@host`, `redis://:password@host`, `?password=…` / `&password=…`
/// (also `;` separated and with percent-encoded keys), and `password=…` words in a
/// connection string that is not a URL.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return redact_words(url);
    };
    // The last `@` ends the user-info: a password may hold an unencoded `@`, `/` or `?`, and
    // splitting at the last one hides them all (a query holding `@` loses a little more).
    let (userinfo, after) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let mut out = format!("{scheme}://");
    if let Some(userinfo) = userinfo {
        match userinfo.split_once(':') {
            Some((user, _)) => out.push_str(&format!("{user}:{HIDDEN}@")),
            None => {
                out.push_str(userinfo);
                out.push('@');
            }
        }
    }
    match after.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            out.push_str(&redact_query(query));
        }
        None => out.push_str(after),
    }
    out
}

/// `k=v&k=v` (or `;`) with every secret value hidden.
fn redact_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    loop {
        let end = rest.find(['&', ';']).unwrap_or(rest.len());
        let (pair, tail) = rest.split_at(end);
        match pair.split_once('=') {
            Some((key, _)) if is_secret_key(key) => {
                out.push_str(key);
                out.push('=');
                out.push_str(HIDDEN);
            }
            _ => out.push_str(pair),
        }
        let mut chars = tail.chars();
        match chars.next() {
            Some(sep) => {
                out.push(sep);
                rest = chars.as_str();
            }
            None => return out,
        }
    }
}

/// `host=db password=x`: libpq's key/value form.
fn redact_words(text: &str) -> String {
    text.split(' ')
        .map(|word| match word.split_once('=') {
            Some((key, _)) if is_secret_key(key) => format!("{key}={HIDDEN}"),
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `%70assword` → `password` (invalid escapes stay as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_url_form_loses_its_password() {
        for (url, kept) in [
            (
                "postgres://user:hunter2@db:5432/x",
                "postgres://user:<redacted>@db:5432/x",
            ),
            (
                "postgresql://user:hun%40ter2@db/x",
                "postgresql://user:<redacted>@db/x",
            ),
            (
                "postgres://user:hu@n/t?er2@db/x",
                "postgres://user:<redacted>@db/x",
            ),
            (
                "redis://:hunter2@127.0.0.1:6379/0",
                "redis://:<redacted>@127.0.0.1:6379/0",
            ),
            (
                "postgres://db/x?password=hunter2",
                "postgres://db/x?password=<redacted>",
            ),
            (
                "postgres://u@db/x?sslmode=require&password=hunter2&x=1",
                "postgres://u@db/x?sslmode=require&password=<redacted>&x=1",
            ),
            (
                "postgres://db/x?%70assword=hunter2",
                "postgres://db/x?%70assword=<redacted>",
            ),
            (
                "postgres://db/x?PASSWORD=hunter2;a=b",
                "postgres://db/x?PASSWORD=<redacted>;a=b",
            ),
            (
                "redis+unix:///tmp/r.sock?pass=hunter2",
                "redis+unix:///tmp/r.sock?pass=<redacted>",
            ),
            (
                "host=db password=hunter2 user=u",
                "host=db password=<redacted> user=u",
            ),
            (
                "sqlite://netpulse.db?mode=rwc",
                "sqlite://netpulse.db?mode=rwc",
            ),
            ("sqlite://netpulse.db", "sqlite://netpulse.db"),
        ] {
            let shown = redact_url(url);
            assert_eq!(shown, kept, "{url}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("ter2"),
                "{url}"
            );
        }
    }
}
