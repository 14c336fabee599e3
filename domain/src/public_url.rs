//! The public base URL every link is built from. It comes from configuration only, never
//! from a request's Host or X-Forwarded-Host header.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    base: String,
    origin: String,
}

impl PublicUrl {
    /// Accepts `http(s)://host[:port][/path]`; drops a trailing slash.
    pub fn parse(input: &str) -> Result<PublicUrl, String> {
        let s = input.trim().trim_end_matches('/');
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(|| format!("must start with http:// or https:// (got {input:?})"))?;
        let host_port = rest.split('/').next().unwrap_or_default();
        if host_port.is_empty()
            || host_port.contains('@')
            || s.contains(['?', '#', ' '])
            || s.chars().any(char::is_control)
        {
            return Err(format!(
                "must be a plain base URL such as https://vestibule.example.com (got {input:?})"
            ));
        }
        let scheme_len = s.len() - rest.len();
        Ok(PublicUrl {
            origin: s[..scheme_len + host_port.len()].to_owned(),
            base: s.to_owned(),
        })
    }

    /// `base + path`, where `path` starts with '/'.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `scheme://host[:port]`, as browsers send it in the Origin header.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn is_https(&self) -> bool {
        self.base.starts_with("https://")
    }

    pub fn as_str(&self) -> &str {
        &self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_base_origin_and_links() {
        let u = PublicUrl::parse("https://v.example.com:8443/app/").unwrap();
        assert_eq!(u.as_str(), "https://v.example.com:8443/app");
        assert_eq!(u.origin(), "https://v.example.com:8443");
        assert_eq!(
            u.link("/invite/x"),
            "https://v.example.com:8443/app/invite/x"
        );
        assert!(u.is_https());
        assert!(!PublicUrl::parse("http://127.0.0.1:3000")
            .unwrap()
            .is_https());
    }

    #[test]
    fn refuses_what_is_not_a_base_url() {
        for bad in [
            "",
            "ftp://x",
            "127.0.0.1:3000",
            "http://",
            "http://u:p@h",
            "http://h/?q=1",
            "http://h/#f",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
