import QtQuick

// One title in a row or grid: poster, watched bar, focus ring and a lift when focused.
Item {
    id: card
    property var item: ({})
    property bool focused: false
    signal activated()

    width: Theme.posterWidth
    height: Theme.posterHeight
    z: focused ? 2 : 0
    scale: focused ? 1.07 : 1.0
    Behavior on scale { NumberAnimation { duration: Theme.normal; easing.type: Easing.OutCubic } }

    Rectangle {
        id: shadow
        anchors.fill: parent
        anchors.margins: -Theme.px(2)
        anchors.topMargin: Theme.px(6)
        radius: Theme.radius
        color: "black"
        opacity: card.focused ? 0.55 : 0.25
    }
    Artwork {
        id: art
        anchors.fill: parent
        source: card.item.poster || ""
        fallbackText: card.item.title || ""
    }
    Rectangle {
        // watched share
        visible: (card.item.progress || 0) > 0
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: Theme.px(6)
        color: Qt.rgba(0, 0, 0, 0.6)
        Rectangle {
            anchors { left: parent.left; top: parent.top; bottom: parent.bottom }
            width: parent.width * Math.min(1, card.item.progress || 0)
            color: Theme.accent
        }
    }
    FocusRing { shown: card.focused; radius: Theme.px(6) }
    MouseArea { anchors.fill: parent; cursorShape: Qt.PointingHandCursor; onClicked: card.activated() }
}
