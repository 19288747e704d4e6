import QtQuick

// An indeterminate progress ring: a turning arc.
Item {
    id: spinner
    property color color: Theme.accent
    property bool running: visible
    implicitWidth: Theme.px(56)
    implicitHeight: implicitWidth

    Canvas {
        id: ring
        anchors.fill: parent
        onPaint: {
            var c = getContext("2d")
            var r = Math.min(width, height) / 2 - Theme.px(4)
            c.reset()
            c.lineWidth = Theme.px(5)
            c.lineCap = "round"
            c.strokeStyle = Qt.rgba(1, 1, 1, 0.12)
            c.beginPath(); c.arc(width / 2, height / 2, r, 0, 2 * Math.PI); c.stroke()
            c.strokeStyle = spinner.color
            c.beginPath(); c.arc(width / 2, height / 2, r, -Math.PI / 2, Math.PI * 0.25); c.stroke()
        }
        RotationAnimator on rotation {
            from: 0; to: 360; duration: 900
            loops: Animation.Infinite
            running: spinner.running
        }
    }
}
