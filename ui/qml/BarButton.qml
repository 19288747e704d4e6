import QtQuick

// A compact button on the player's bar (audio, subtitles, statistics): an icon and a short
// text; white when it has keyboard focus, like the app's other buttons.
FocusScope {
    id: button
    property string icon
    property string text
    property bool checked: false
    signal activated()

    implicitHeight: Theme.px(44)
    implicitWidth: row.implicitWidth + Theme.px(32)

    Keys.onReturnPressed: activated()
    Keys.onEnterPressed: activated()
    Keys.onSpacePressed: activated()

    Rectangle {
        anchors.fill: parent
        radius: height / 2
        color: button.activeFocus ? Theme.text : (button.checked ? Qt.rgba(1, 1, 1, 0.24) : Qt.rgba(1, 1, 1, 0.12))
        border.color: Qt.rgba(1, 1, 1, button.activeFocus ? 0 : 0.18)
        border.width: Math.max(1, Theme.px(1))
        Behavior on color { ColorAnimation { duration: Theme.fast } }
        scale: button.activeFocus ? 1.05 : 1.0
        Behavior on scale { NumberAnimation { duration: Theme.fast; easing.type: Easing.OutCubic } }
        Row {
            id: row
            anchors.centerIn: parent
            spacing: Theme.px(10)
            Icon {
                name: button.icon
                width: Theme.px(22); height: width
                anchors.verticalCenter: parent.verticalCenter
                color: label.color
            }
            Label {
                id: label
                visible: text !== ""
                text: button.text
                size: Theme.fontSmall
                font.weight: Font.DemiBold
                color: button.activeFocus ? Theme.accentText : Theme.text
                anchors.verticalCenter: parent.verticalCenter
            }
        }
    }
    MouseArea {
        anchors.fill: parent
        cursorShape: Qt.PointingHandCursor
        onClicked: button.activated()
    }
}
