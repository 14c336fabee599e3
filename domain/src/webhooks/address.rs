//! Where a webhook may go (SSRF defence). A URL is https (or http to a loopback address when
//! the development setting allows it), has no user name or password, and its host resolves
//! only to public addresses: never private, loopback, link-local (the cloud metadata service
//! at 169.254.169.254 among them), shared, multicast, reserved or documentation ranges, in
//! IPv4 or IPv6, including IPv4 addresses wrapped in IPv6 (mapped, compatible, NAT64, 6to4).
//! The delivery connects to the address checked here, so a second DNS answer cannot differ.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::{DomainError, DomainResult};

/// Whether outbound requests may reach loopback addresses (`VESTIBULE_ALLOW_LOOPBACK_WEBHOOKS`,
/// for receivers on a development machine and tests; never in production).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outbound {
    pub allow_loopback: bool,
}

/// The longest URL kept.
pub const MAX_URL_CHARS: usize = 2000;

/// A URL as checked before it is stored: scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub url: reqwest::Url,
    pub host: String,
    pub port: u16,
}

fn refuse(message: impl Into<String>) -> DomainError {
    DomainError::invalid("url", message)
}

/// Checks the shape of an endpoint URL (no DNS yet).
pub fn parse_url(text: &str, outbound: Outbound) -> DomainResult<Target> {
    let text = text.trim();
    if text.chars().count() > MAX_URL_CHARS {
        return Err(refuse(format!(
            "Use a URL of at most {MAX_URL_CHARS} characters."
        )));
    }
    let url = reqwest::Url::parse(text).map_err(|e| {
        refuse(format!(
            "This is not a URL ({e}): give one such as https://example.com/hooks."
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "Leave the user name and password out of the URL: requests are signed instead.",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| refuse("The URL needs a host."))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    match url.scheme() {
        "https" => {}
        "http" if outbound.allow_loopback => {
            let loopback =
                host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(refuse(
                    "Use https. Plain http is allowed only to loopback addresses, in development.",
                ));
            }
        }
        _ => return Err(refuse("Use an https URL.")),
    }
    let port = url.port_or_known_default().unwrap_or(443);
    Ok(Target { url, host, port })
}

/// Why an address may not be reached, if it may not.
pub fn forbidden(ip: IpAddr, outbound: Outbound) -> Option<&'static str> {
    if ip.is_loopback() {
        return (!outbound.allow_loopback).then_some("a loopback address");
    }
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                if v4.is_loopback() {
                    return (!outbound.allow_loopback).then_some("a loopback address");
                }
                return forbidden_v4(v4);
            }
            forbidden_v6(v6)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (such as the cloud metadata service)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast, broadcast or reserved address")
    } else if (a, b, c) == (192, 0, 2) || (a, b, c) == (198, 51, 100) || (a, b, c) == (203, 0, 113)
    {
        Some("a documentation address")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("a benchmarking address")
    } else if (a, b, c) == (192, 0, 0) || (a, b, c) == (192, 88, 99) {
        Some("a reserved address")
    } else {
        None
    }
}

/// The IPv4 address inside an IPv6 one: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d),
/// NAT64 (64:ff9b::/96) or 6to4 (2002:AABB:CCDD::/48).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6] == [0, 0, 0, 0, 0, 0] && !(s[6] == 0 && s[7] <= 1) {
        return Some(low);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return Some(low);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_unspecified() {
        Some("an unspecified address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("a private (unique local) address")
    } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
        Some("a link-local address")
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        Some("a documentation address")
    } else if s[0] == 0x0100 && s[1..4] == [0, 0, 0] {
        Some("a discard-only address")
    } else {
        None
    }
}

/// The addresses `target` resolves to, every one allowed; refused (naming the address) when
/// any is not, so a name that answers with a public and a private address is refused too.
pub async fn resolve(target: &Target, outbound: Outbound) -> DomainResult<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|e| refuse(format!("{} does not resolve: {e}", target.host)))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(refuse(format!(
            "{} does not resolve to any address.",
            target.host
        )));
    }
    for a in &addrs {
        if let Some(why) = forbidden(a.ip(), outbound) {
            return Err(refuse(format!(
                "{} resolves to {}, {why}: webhooks go only to public addresses.",
                target.host,
                a.ip()
            )));
        }
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: Outbound = Outbound {
        allow_loopback: false,
    };
    const DEV: Outbound = Outbound {
        allow_loopback: true,
    };

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_refused_in_every_spelling() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.2.5",
            "198.18.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "2002:7f00:1::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(forbidden(ip, PROD).is_some(), "{ip} must be refused");
        }
        for ip in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "172.32.0.1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(forbidden(ip, PROD), None, "{ip} is public");
        }
    }

    #[test]
    fn the_development_setting_opens_loopback_and_nothing_else() {
        for ip in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(forbidden(ip.parse().unwrap(), DEV), None, "{ip}");
        }
        for ip in ["10.0.0.1", "169.254.169.254", "192.168.0.1"] {
            assert!(forbidden(ip.parse().unwrap(), DEV).is_some(), "{ip}");
        }
    }

    #[test]
    fn urls_are_https_without_credentials_or_http_to_loopback_in_development() {
        assert!(parse_url("https://hooks.example.com/in", PROD).is_ok());
        assert!(parse_url("http://hooks.example.com/in", PROD).is_err());
        assert!(parse_url("http://127.0.0.1:9000/in", PROD).is_err());
        assert!(parse_url("http://127.0.0.1:9000/in", DEV).is_ok());
        assert!(parse_url("http://[::1]:9000/in", DEV).is_ok());
        assert!(parse_url("http://hooks.example.com/in", DEV).is_err());
        assert!(parse_url("https://user:pw@hooks.example.com/", PROD).is_err());
        assert!(parse_url("ftp://hooks.example.com/", PROD).is_err());
        assert!(parse_url("not a url", PROD).is_err());
        let t = parse_url("https://[2606:4700::1]:8443/x", PROD).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("2606:4700::1", 8443));
    }

    #[tokio::test]
    async fn a_name_is_judged_by_every_address_it_resolves_to() {
        let t = parse_url("https://127.0.0.1/x", PROD).unwrap();
        let err = resolve(&t, PROD).await.unwrap_err().to_string();
        assert!(err.contains("loopback"), "{err}");
        let t = parse_url("https://169.254.169.254/latest/meta-data", PROD).unwrap();
        let err = resolve(&t, PROD).await.unwrap_err().to_string();
        assert!(err.contains("link-local"), "{err}");
        let t = parse_url("https://localhost:9/x", PROD).unwrap();
        assert!(
            resolve(&t, PROD).await.is_err(),
            "localhost resolves to loopback"
        );
    }
}
