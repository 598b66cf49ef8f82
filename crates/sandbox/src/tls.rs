//! HTTPS for the emulators: a CA generated at start (its certificate written to a file clients can
//! trust) and a server certificate for `localhost`, `127.0.0.1` and any extra names.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use crate::{StartError, TlsOptions};

#[allow(missing_debug_implementations)] // TlsAcceptor has no Debug
pub(crate) struct Material {
    pub(crate) ca_path: PathBuf,
    pub(crate) acceptor: TlsAcceptor,
}

impl Material {
    pub(crate) fn generate(options: &TlsOptions) -> Result<Material, StartError> {
        let tls = |e: &dyn std::fmt::Display| StartError::Tls(e.to_string());
        let ca_key = KeyPair::generate().map_err(|e| tls(&e))?;
        let mut ca_params = CertificateParams::default();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Dynasync sandbox CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| tls(&e))?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        names.extend(options.extra_names.iter().cloned());
        let mut leaf_params = CertificateParams::default();
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "Dynasync sandbox");
        leaf_params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => name.clone().try_into().map(SanType::DnsName),
            })
            .collect::<Result<_, _>>()
            .map_err(|e| tls(&e))?;
        let leaf_key = KeyPair::generate().map_err(|e| tls(&e))?;
        let leaf_cert = leaf_params
            .signed_by(&leaf_key, &issuer)
            .map_err(|e| tls(&e))?;

        std::fs::create_dir_all(&options.dir).map_err(|e| tls(&e))?;
        let ca_path = options.dir.join("sandbox-ca.pem");
        std::fs::write(&ca_path, ca_cert.pem()).map_err(|e| tls(&e))?;

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![leaf_cert.der().clone(), ca_cert.der().clone()], key)
        .map_err(|e| tls(&e))?;
        Ok(Material {
            ca_path,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}
