//! Who is on the other end: the client's address (behind our own proxies) and the signed CSRF token a visitor
//! who is not signed in carries in a cookie.

use std::net::SocketAddr;

use subtle::ConstantTimeEq;

/// The client's address: the peer's, or behind `trusted_proxies` reverse proxies (with `trust_forwarded_for`)
/// the entry of `X-Forwarded-For` that the outermost trusted proxy appended. Entries are read over *all* the
/// header's lines (a proxy may add a line instead of extending the first) and counted from the right, since
/// anything left of what our own proxies appended is whatever the client chose to send.
pub fn client_address(
    settings: &crate::config::Settings,
    remote: Option<SocketAddr>,
    forwarded: &[&str],
) -> String {
    let direct = remote.map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    if !settings.trust_forwarded_for {
        return direct;
    }
    let entries: Vec<&str> = forwarded
        .iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .collect();
    // Fewer entries than proxies: the request came in past the outer ones; the innermost line is still ours.
    let hops = (settings.trusted_proxies.max(1) as usize).min(entries.len());
    entries
        .len()
        .checked_sub(hops)
        .and_then(|i| entries.get(i))
        .and_then(|a| a.parse::<std::net::IpAddr>().ok())
        .map_or(direct, |ip| ip.to_string())
}

/// A visitor's CSRF token: a random nonce and its HMAC-SHA256 under the service's key. Only tokens the service
/// issued pass, so a sibling subdomain that plants a cookie of its choosing cannot forge a form post.
pub fn visitor_token(key: &[u8]) -> String {
    let nonce = crate::db::accounts::new_secret("");
    format!("{nonce}.{}", visitor_mac(key, &nonce))
}

fn visitor_mac(key: &[u8], nonce: &str) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(nonce.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

pub fn visitor_token_valid(key: &[u8], token: &str) -> bool {
    match token.split_once('.') {
        Some((nonce, mac)) if nonce.len() == 43 => {
            bool::from(visitor_mac(key, nonce).as_bytes().ct_eq(mac.as_bytes()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use crate::config::Settings;

    #[test]
    fn only_visitor_tokens_signed_with_the_key_pass() {
        let key = b"the service's key";
        let token = super::visitor_token(key);
        assert!(super::visitor_token_valid(key, &token));
        assert!(!super::visitor_token_valid(b"another key", &token));
        let (nonce, _) = token.split_once('.').unwrap();
        assert!(!super::visitor_token_valid(key, &format!("{nonce}.forged")));
        assert!(!super::visitor_token_valid(key, &"a".repeat(40)));
        assert!(!super::visitor_token_valid(key, ""));
    }

    #[test]
    fn the_client_is_the_entry_our_own_proxies_appended() {
        let peer = Some("10.0.0.2:5000".parse().unwrap());
        let behind = |proxies: u32| Settings {
            trust_forwarded_for: true,
            trusted_proxies: proxies,
            ..Settings::default()
        };
        // Not trusted: the peer, whatever the header says.
        assert_eq!(
            client_address(&Settings::default(), peer, &["1.2.3.4"]),
            "10.0.0.2"
        );
        // One proxy that appends a line of its own: the client's first line is ignored.
        assert_eq!(
            client_address(&behind(1), peer, &["6.6.6.6", "203.0.113.9"]),
            "203.0.113.9"
        );
        assert_eq!(
            client_address(&behind(1), peer, &["6.6.6.6, 203.0.113.9"]),
            "203.0.113.9"
        );
        // Two proxies (CDN, then ours): the CDN's entry names the client.
        assert_eq!(
            client_address(&behind(2), peer, &["6.6.6.6, 198.51.100.7", "192.0.2.1"]),
            "198.51.100.7"
        );
        assert_eq!(
            client_address(&behind(2), peer, &["198.51.100.7"]),
            "198.51.100.7"
        );
        // Garbage where the address should be: the peer.
        assert_eq!(
            client_address(&behind(1), peer, &["1.2.3.4, not-an-ip"]),
            "10.0.0.2"
        );
        assert_eq!(client_address(&behind(1), peer, &[]), "10.0.0.2");
    }
}
