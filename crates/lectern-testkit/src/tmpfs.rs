//! A small file system of its own for a test, which the test can fill to the last byte and
//! empty again: the way to make a database meet a full disk without filling the machine's.
//!
//! Mounting needs root. Tests run as root on every development and CI machine, so a failed
//! mount fails the test loudly; it is never skipped.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use rand::Rng;
use rand::distributions::Alphanumeric;

/// A tmpfs mounted on a fresh temporary directory; unmounted and removed when dropped.
#[derive(Debug)]
pub struct Tmpfs {
    dir: PathBuf,
}

/// The file [`Tmpfs::fill`] takes the free space with.
const FILLER: &str = "filler";

impl Tmpfs {
    /// Mounts a tmpfs of `size_bytes` (the kernel rounds up to whole pages).
    pub fn mount(size_bytes: u64) -> Self {
        let name: String =
            rand::thread_rng().sample_iter(&Alphanumeric).take(12).map(char::from).collect();
        let dir = std::env::temp_dir().join(format!("lectern-tmpfs-{name}"));
        std::fs::create_dir(&dir)
            .unwrap_or_else(|err| panic!("create the mount point {}: {err}", dir.display()));
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_bytes}"), "tmpfs"])
            .arg(&dir)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            let _ = std::fs::remove_dir(&dir);
            panic!(
                "\n\n*** could not mount a tmpfs on {} ({status:?}). ***\n\
                 These tests need root (as on every development and CI machine) to give the \
                 database a small disk of its own to fill. They are never skipped.\n\n",
                dir.display()
            );
        }
        Self { dir }
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Takes every free byte with a filler file: whole 4 KiB chunks until the file system
    /// refuses (ENOSPC), then smaller writes for whatever a chunk could not use, so the next
    /// write of anyone else really finds the disk full.
    pub fn fill(&self) {
        let path = self.dir.join(FILLER);
        let mut filler = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|err| panic!("open {}: {err}", path.display()));
        for chunk in [4096, 512, 1] {
            write_until_full(&mut filler, chunk);
        }
        // Flushed to the page cache is all a tmpfs has; the sync only surfaces a late error.
        let _ = filler.sync_all();
    }

    /// Deletes the filler: the space is free again.
    pub fn free(&self) {
        let path = self.dir.join(FILLER);
        std::fs::remove_file(&path)
            .unwrap_or_else(|err| panic!("remove {}: {err}", path.display()));
    }
}

/// Appends `chunk`-sized blocks of zeros until the file system has no room for one more.
fn write_until_full(file: &mut File, chunk: usize) {
    let block = vec![0_u8; chunk];
    loop {
        match file.write(&block) {
            // A short write took the last of the room; the next one will say ENOSPC.
            Ok(n) if n > 0 => {}
            Ok(_) => return,
            Err(err) if err.kind() == ErrorKind::StorageFull => return,
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) => panic!("fill the tmpfs: {err}"),
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily (`-l`): a connection the test leaked must not keep the mount, or the test
        // fail in its cleanup instead of where it went wrong.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
