//! `missionmatch serve`: the organisers' web application on this machine (docs/api.md).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::serve::{run as serve, ServeOptions};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// Address and port to listen on (127.0.0.1 keeps it to this computer; 0.0.0.0 opens it to
    /// the hall's network).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Folder of the database (created when missing).
    #[arg(long, default_value = "./missionmatch-data")]
    data: PathBuf,
    /// The address participants reach this server at, for the links in invitations (e.g.
    /// https://mission.example.org); by default the address the organiser's own request came to.
    #[arg(long)]
    public_url: Option<String>,
    /// Make a new organiser token, print its URL once, and revoke the old one (and its logins).
    #[arg(long)]
    new_token: bool,
}

/// Runs the command until Ctrl-C.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments {
        listen,
        data,
        public_url,
        new_token,
    } = arguments;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(
        ServeOptions {
            listen,
            data,
            public_url,
        },
        new_token,
    ))
}
