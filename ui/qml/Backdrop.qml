import QtQuick

// A title's backdrop on the right, fading into the page on the left and at the bottom, so text
// laid over the left side stays readable. A new source cross-fades over the old one once it is
// decoded; until then (or if it fails) the old picture, or just the page, stays.
Item {
    id: backdrop
    property url source
    clip: true

    component Layer: Image {
        property bool shown: false
        anchors.fill: parent
        asynchronous: true
        fillMode: Image.PreserveAspectCrop
        sourceSize.width: Math.ceil(width)
        opacity: shown ? 1 : 0
        Behavior on opacity { NumberAnimation { duration: Theme.normal * 2 } }
    }

    Item {
        id: art
        anchors { top: parent.top; bottom: parent.bottom; right: parent.right }
        width: Math.max(parent.width * 0.72, height * 16 / 9)

        property Image shown: null
        Layer { id: first; shown: art.shown === first; onStatusChanged: art.present(first) }
        Layer { id: second; shown: art.shown === second; onStatusChanged: art.present(second) }

        // Load into the layer not on show; present() swaps once it is decoded.
        function load() {
            var idle = shown === first ? second : first
            idle.source = backdrop.source
            present(idle)
        }
        function present(layer) {
            if (layer.status === Image.Ready && String(layer.source) === String(backdrop.source))
                shown = layer
        }
        Component.onCompleted: load()
    }
    Connections {
        target: backdrop
        function onSourceChanged() { art.load() }
    }
    Rectangle {
        id: leftFade
        // Left fade: opaque over the artwork's left half (where generated art carries its own
        // title), then clearing, so only the picture shows beside the page's own text.
        readonly property real artX: parent.width - art.width
        anchors { top: parent.top; bottom: parent.bottom; left: parent.left }
        width: artX + art.width * 0.74
        gradient: Gradient {
            orientation: Gradient.Horizontal
            GradientStop { position: 0.0; color: Theme.background }
            GradientStop {
                position: (leftFade.artX + art.width * 0.52) / leftFade.width
                color: Theme.background
            }
            GradientStop {
                position: (leftFade.artX + art.width * 0.62) / leftFade.width
                color: Qt.rgba(Theme.background.r, Theme.background.g, Theme.background.b, 0.7)
            }
            GradientStop { position: 1.0; color: "transparent" }
        }
    }
    Rectangle {
        // bottom fade
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: parent.height * 0.45
        gradient: Gradient {
            GradientStop { position: 0.0; color: "transparent" }
            GradientStop { position: 1.0; color: Theme.background }
        }
    }
}
