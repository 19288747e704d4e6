import QtQuick

// A focusable button: Enter, Space or a click activates it.
FocusScope {
    id: button
    property string text
    property string icon: ""
    property bool primary: false
    signal activated()

    implicitHeight: Theme.px(56)
    implicitWidth: row.implicitWidth + Theme.px(56)
    activeFocusOnTab: true

    Keys.onReturnPressed: activated()
    Keys.onEnterPressed: activated()
    Keys.onSpacePressed: activated()

    Rectangle {
        id: face
        anchors.fill: parent
        radius: Theme.radius
        color: button.primary ? (button.activeFocus ? Qt.lighter(Theme.accent, 1.08) : Theme.accent)
                              : (button.activeFocus ? Theme.text : Qt.rgba(1, 1, 1, 0.14))
        Behavior on color { ColorAnimation { duration: Theme.fast } }
        scale: button.activeFocus ? 1.04 : 1.0
        Behavior on scale { NumberAnimation { duration: Theme.fast; easing.type: Easing.OutCubic } }

        Row {
            id: row
            anchors.centerIn: parent
            spacing: Theme.px(12)
            Icon {
                visible: button.icon !== ""
                name: button.icon
                width: Theme.px(20); height: width
                anchors.verticalCenter: parent.verticalCenter
                color: label.color
            }
            Label {
                id: label
                text: button.text
                size: Theme.fontBody
                font.weight: Font.DemiBold
                color: button.primary || button.activeFocus ? Theme.accentText : Theme.text
                anchors.verticalCenter: parent.verticalCenter
            }
        }
        FocusRing { shown: button.activeFocus && button.primary }
    }
    MouseArea {
        anchors.fill: parent
        cursorShape: Qt.PointingHandCursor
        onClicked: { button.forceActiveFocus(); button.activated() }
    }
}
