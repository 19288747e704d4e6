pragma Singleton
import QtQuick

// Colours, type and sizes for every screen. Sizes go through px() so one `scale` grows the
// whole UI: the window sets it from its height, and a 10-foot mode can set it for the couch.
QtObject {
    property real scale: 1.0
    function px(v) { return Math.round(v * scale) }

    readonly property string fontFamily: "Inter"
    readonly property string monoFamily: "JetBrains Mono"  // figures that must line up

    readonly property color background: "#0a0c10"
    readonly property color surface: "#161a22"
    readonly property color surfaceRaised: "#222835"
    readonly property color line: "#2c3342"
    readonly property color text: "#f3f5f9"
    readonly property color textDim: "#b3bac8"
    readonly property color textFaint: "#727b8e"
    readonly property color accent: "#f0b429"
    readonly property color accentText: "#17130a"
    readonly property color focusRing: "#ffffff"
    readonly property color danger: "#ff7a6b"

    readonly property int fontHero: px(60)
    readonly property int fontTitle: px(40)
    readonly property int fontHeading: px(24)
    readonly property int fontBody: px(19)
    readonly property int fontSmall: px(16)
    readonly property int fontCaption: px(14)

    readonly property int margin: px(64)
    readonly property int spacing: px(16)
    readonly property int radius: px(8)
    readonly property int posterWidth: px(184)
    readonly property int posterHeight: px(276)
    readonly property int focusWidth: px(3)

    readonly property int fast: 140
    readonly property int normal: 240

    // 754 s -> "12:34", 4000 s -> "1:06:40"
    function clock(seconds) {
        var s = Math.max(0, Math.floor(seconds || 0))
        var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60
        var mm = (h > 0 && m < 10 ? "0" : "") + m
        return (h > 0 ? h + ":" : "") + mm + ":" + (sec < 10 ? "0" : "") + sec
    }

    // 45 s -> "45 s", 754 s -> "13 min", 5400 s -> "1 h 30 min"
    function runtime(seconds) {
        var s = Math.round(seconds || 0)
        if (s < 60) return s + " s"
        var m = Math.round(s / 60)
        if (m < 60) return m + " min"
        return Math.floor(m / 60) + " h" + (m % 60 ? " " + (m % 60) + " min" : "")
    }
}
