//! PURE: what kind of executable a file is, from its first bytes, and whether this machine can
//! run it. Checked before a probe spawns anything, so that a binary built for another system is
//! named as such ("built for linux-arm64") instead of failing with an exec error, or running
//! under an emulator that hides the mistake.
//!
//! Formats: ELF (the System V ABI's `e_ident` and `e_machine`), Mach-O (`mach_header(_64)` and
//! `fat_header` from Apple's `<mach-o/loader.h>`, `<mach-o/fat.h>`), PE (`MZ`), and `#!` scripts.

use crate::core::tool::{Arch, Os, Platform};

/// Bytes to read from the start of a file.
pub(crate) const HEAD: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// ELF for this CPU (None: a machine we do not name).
    Elf { arch: Option<Arch>, machine: u16 },
    /// Mach-O, with the CPUs it has code for.
    MachO { arches: Vec<Option<Arch>> },
    /// A Windows executable.
    Pe,
    /// `#!interpreter`.
    Script { interpreter: String },
    /// Anything else (the kernel decides).
    Unknown,
}

const EM_X86_64: u16 = 0x3e;
const EM_AARCH64: u16 = 0xb7;
const CPU_TYPE_X86_64: u32 = 0x0100_0007;
const CPU_TYPE_ARM64: u32 = 0x0100_000c;

pub(crate) fn sniff(head: &[u8]) -> Format {
    let u16_at = |at: usize, big: bool| -> Option<u16> {
        let b: [u8; 2] = head.get(at..at + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize, big: bool| -> Option<u32> {
        let b: [u8; 4] = head.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let macho_arch = |cpu: u32| match cpu {
        CPU_TYPE_X86_64 => Some(Arch::Amd64),
        CPU_TYPE_ARM64 => Some(Arch::Arm64),
        _ => None,
    };
    if head.starts_with(b"\x7fELF") {
        let big = head.get(5) == Some(&2);
        let machine = u16_at(18, big).unwrap_or(0);
        let arch = match machine {
            EM_X86_64 => Some(Arch::Amd64),
            EM_AARCH64 => Some(Arch::Arm64),
            _ => None,
        };
        return Format::Elf { arch, machine };
    }
    match head.get(..4) {
        // 64-bit (and 32-bit) Mach-O, little-endian on every Mac since Intel.
        Some([0xcf, 0xfa, 0xed, 0xfe] | [0xce, 0xfa, 0xed, 0xfe]) => {
            return Format::MachO {
                arches: vec![u32_at(4, false).and_then(macho_arch)],
            };
        }
        // A universal binary: big-endian fat header, then one entry of 20 bytes per CPU.
        // (Java class files share the magic; their "count" is a version number, far above 16.)
        Some([0xca, 0xfe, 0xba, 0xbe]) => {
            let n = u32_at(4, true).unwrap_or(0);
            if (1..=16).contains(&n) {
                let arches = (0..n as usize)
                    .map(|i| u32_at(8 + 20 * i, true).and_then(macho_arch))
                    .collect();
                return Format::MachO { arches };
            }
        }
        _ => {}
    }
    if head.starts_with(b"MZ") {
        return Format::Pe;
    }
    if let Some(rest) = head.strip_prefix(b"#!") {
        let line = rest.split(|b| *b == b'\n').next().unwrap_or_default();
        let text = String::from_utf8_lossy(line);
        let interpreter = text.split_whitespace().next().unwrap_or("").to_string();
        return Format::Script { interpreter };
    }
    Format::Unknown
}

/// Why `format` cannot run on `platform` (None: it can, or the kernel has to say).
pub(crate) fn foreign(format: &Format, platform: Platform) -> Option<String> {
    let name = |os: Os, arch: Option<Arch>, machine: &str| match arch {
        Some(a) => format!("{}-{}", os.name(), a.name()),
        None => format!("{} on {machine}", os.name()),
    };
    match format {
        Format::Elf { arch, machine } => {
            let built = name(Os::Linux, *arch, &format!("machine 0x{machine:x}"));
            (platform.os != Os::Linux || *arch != Some(platform.arch)).then_some(built)
        }
        Format::MachO { arches } => {
            let here = platform.os == Os::Darwin
                && (arches.contains(&Some(platform.arch))
                    // Apple Silicon runs x86_64 code under Rosetta.
                    || (platform.arch == Arch::Arm64 && arches.contains(&Some(Arch::Amd64))));
            (!here).then(|| {
                let names: Vec<String> = arches
                    .iter()
                    .map(|a| name(Os::Darwin, *a, "another CPU"))
                    .collect();
                names.join(" + ")
            })
        }
        Format::Pe => (platform.os != Os::Windows).then(|| "windows".to_string()),
        Format::Script { .. } | Format::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(machine: u16) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2; // 64-bit
        h[5] = 1; // little-endian
        h[18..20].copy_from_slice(&machine.to_le_bytes());
        h
    }

    #[test]
    fn formats_and_what_runs_here() {
        let linux = Platform::new(Os::Linux, Arch::Amd64);
        let mac_arm = Platform::new(Os::Darwin, Arch::Arm64);
        assert_eq!(foreign(&sniff(&elf(EM_X86_64)), linux), None);
        assert_eq!(
            foreign(&sniff(&elf(EM_AARCH64)), linux).as_deref(),
            Some("linux-arm64")
        );
        assert_eq!(
            foreign(&sniff(&elf(0xf3)), linux).as_deref(),
            Some("linux on machine 0xf3")
        );
        assert_eq!(
            foreign(&sniff(&elf(EM_X86_64)), mac_arm).as_deref(),
            Some("linux-amd64")
        );
        let mut macho = vec![0xcf, 0xfa, 0xed, 0xfe];
        macho.extend_from_slice(&CPU_TYPE_X86_64.to_le_bytes());
        assert_eq!(foreign(&sniff(&macho), mac_arm), None, "Rosetta");
        assert_eq!(
            foreign(&sniff(&macho), linux).as_deref(),
            Some("darwin-amd64")
        );
        let mut fat = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2];
        for cpu in [CPU_TYPE_X86_64, CPU_TYPE_ARM64] {
            fat.extend_from_slice(&cpu.to_be_bytes());
            fat.extend_from_slice(&[0; 16]);
        }
        assert_eq!(
            sniff(&fat),
            Format::MachO {
                arches: vec![Some(Arch::Amd64), Some(Arch::Arm64)]
            }
        );
        assert_eq!(
            foreign(&sniff(b"MZ\x90\x00"), linux).as_deref(),
            Some("windows")
        );
        assert_eq!(
            sniff(b"#!/usr/bin/env bash\necho"),
            Format::Script {
                interpreter: "/usr/bin/env".into()
            }
        );
        assert_eq!(foreign(&sniff(b"#!/bin/sh\n"), linux), None);
        assert_eq!(sniff(b""), Format::Unknown);
        // A Java class file is not a universal binary.
        assert_eq!(
            sniff(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]),
            Format::Unknown
        );
    }
}
