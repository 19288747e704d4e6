import QtQuick

// The visible sign of keyboard focus, drawn just outside its parent.
Rectangle {
    property bool shown: false
    property int gap: Theme.px(4)
    anchors.fill: parent
    anchors.margins: -gap
    radius: Theme.radius + gap
    color: "transparent"
    border.color: Theme.focusRing
    border.width: Theme.focusWidth
    opacity: shown ? 1 : 0
    Behavior on opacity { NumberAnimation { duration: Theme.fast } }
}
