import QtQuick

// Simple vector glyphs drawn on a canvas, so no icon font or image files are needed.
// name: "play", "pause", "back", "search", "restart", "alert", "audio", "subtitles", "info",
// "check", "up"
Canvas {
    id: icon
    property string name: "play"
    property color color: "white"
    property real stroke: Math.max(2, width / 12)
    implicitWidth: 24
    implicitHeight: 24
    onNameChanged: requestPaint()
    onColorChanged: requestPaint()
    onWidthChanged: requestPaint()
    onHeightChanged: requestPaint()

    onPaint: {
        var c = getContext("2d")
        var w = width, h = height
        c.reset()
        c.fillStyle = icon.color
        c.strokeStyle = icon.color
        c.lineWidth = icon.stroke
        c.lineCap = "round"
        c.lineJoin = "round"
        c.beginPath()
        if (name === "play") {
            c.moveTo(w * 0.24, h * 0.14); c.lineTo(w * 0.86, h * 0.5); c.lineTo(w * 0.24, h * 0.86)
            c.closePath(); c.fill()
        } else if (name === "pause") {
            c.rect(w * 0.2, h * 0.14, w * 0.2, h * 0.72); c.rect(w * 0.6, h * 0.14, w * 0.2, h * 0.72)
            c.fill()
        } else if (name === "back") {
            c.moveTo(w * 0.62, h * 0.18); c.lineTo(w * 0.3, h * 0.5); c.lineTo(w * 0.62, h * 0.82)
            c.stroke()
        } else if (name === "search") {
            c.arc(w * 0.42, h * 0.42, w * 0.26, 0, 2 * Math.PI); c.stroke()
            c.beginPath(); c.moveTo(w * 0.62, h * 0.62); c.lineTo(w * 0.86, h * 0.86); c.stroke()
        } else if (name === "restart") {
            c.arc(w * 0.5, h * 0.52, w * 0.32, -Math.PI * 0.6, Math.PI * 1.25); c.stroke()
            c.beginPath(); c.moveTo(w * 0.18, h * 0.12); c.lineTo(w * 0.38, h * 0.24); c.lineTo(w * 0.2, h * 0.4)
            c.stroke()
        } else if (name === "alert") {
            c.arc(w * 0.5, h * 0.5, w * 0.42, 0, 2 * Math.PI); c.stroke()
            c.beginPath(); c.moveTo(w * 0.5, h * 0.28); c.lineTo(w * 0.5, h * 0.56); c.stroke()
            c.beginPath(); c.arc(w * 0.5, h * 0.72, icon.stroke * 0.7, 0, 2 * Math.PI); c.fill()
        } else if (name === "audio") {
            // a speaker and two waves
            c.moveTo(w * 0.1, h * 0.38); c.lineTo(w * 0.26, h * 0.38); c.lineTo(w * 0.46, h * 0.18)
            c.lineTo(w * 0.46, h * 0.82); c.lineTo(w * 0.26, h * 0.62); c.lineTo(w * 0.1, h * 0.62)
            c.closePath(); c.fill()
            c.beginPath(); c.arc(w * 0.5, h * 0.5, w * 0.18, -Math.PI / 4, Math.PI / 4); c.stroke()
            c.beginPath(); c.arc(w * 0.5, h * 0.5, w * 0.36, -Math.PI / 4, Math.PI / 4); c.stroke()
        } else if (name === "subtitles") {
            // a screen with two lines of text
            var r = w * 0.1
            c.moveTo(w * 0.08 + r, h * 0.18); c.arcTo(w * 0.92, h * 0.18, w * 0.92, h * 0.82, r)
            c.arcTo(w * 0.92, h * 0.82, w * 0.08, h * 0.82, r); c.arcTo(w * 0.08, h * 0.82, w * 0.08, h * 0.18, r)
            c.arcTo(w * 0.08, h * 0.18, w * 0.92, h * 0.18, r); c.closePath(); c.stroke()
            c.beginPath(); c.moveTo(w * 0.24, h * 0.52); c.lineTo(w * 0.5, h * 0.52)
            c.moveTo(w * 0.6, h * 0.52); c.lineTo(w * 0.76, h * 0.52)
            c.moveTo(w * 0.24, h * 0.66); c.lineTo(w * 0.4, h * 0.66)
            c.moveTo(w * 0.5, h * 0.66); c.lineTo(w * 0.76, h * 0.66); c.stroke()
        } else if (name === "info") {
            c.arc(w * 0.5, h * 0.5, w * 0.42, 0, 2 * Math.PI); c.stroke()
            c.beginPath(); c.moveTo(w * 0.5, h * 0.46); c.lineTo(w * 0.5, h * 0.72); c.stroke()
            c.beginPath(); c.arc(w * 0.5, h * 0.3, icon.stroke * 0.7, 0, 2 * Math.PI); c.fill()
        } else if (name === "check") {
            c.moveTo(w * 0.16, h * 0.52); c.lineTo(w * 0.4, h * 0.76); c.lineTo(w * 0.84, h * 0.26)
            c.stroke()
        } else if (name === "up") {
            c.moveTo(w * 0.2, h * 0.64); c.lineTo(w * 0.5, h * 0.34); c.lineTo(w * 0.8, h * 0.64)
            c.stroke()
        }
    }
}
