import QtQuick

// A title's backdrop on the right, fading into the page on the left and at the bottom, so text
// laid over the left side stays readable.
Item {
    id: backdrop
    property url source
    property string fallbackText: ""
    clip: true

    Artwork {
        id: art
        anchors { top: parent.top; bottom: parent.bottom; right: parent.right }
        width: Math.max(parent.width * 0.72, height * 16 / 9)
        source: backdrop.source
        fallbackText: ""
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
