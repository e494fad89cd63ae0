//! The media plane: forwards RTP between participants on webrtc-rs (see docs/ARCHITECTURE.md).
