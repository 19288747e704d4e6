import QtQuick

// A short list of choices over the video (audio languages, subtitles): Up/Down move, Enter or a
// click chooses, Esc or Back closes. The current choice carries a check mark; what is current is
// the player's word (playback.tracks), so the mark moves once the player has switched.
FocusScope {
    id: menu
    property string heading
    property var choices: []  // [{code, name, current}]
    property bool open: false
    signal chosen(string code)
    signal closed()

    function show() {
        var current = 0
        for (var i = 0; i < choices.length; i++) if (choices[i].current) current = i
        list.currentIndex = current
        open = true
        forceActiveFocus()
    }
    function hide() {
        if (!open) return
        closed()  // first: the menu still has focus to hand back, which disabling it would drop
        open = false
    }

    width: Theme.px(360)
    height: header.height + list.height + Theme.px(16)
    opacity: open ? 1 : 0
    visible: opacity > 0
    enabled: open
    scale: open ? 1 : 0.96
    transformOrigin: Item.BottomRight
    Behavior on opacity { NumberAnimation { duration: Theme.fast } }
    Behavior on scale { NumberAnimation { duration: Theme.fast; easing.type: Easing.OutCubic } }

    Keys.onPressed: function (event) {
        var key = event.key
        if (key === Qt.Key_Escape || key === Qt.Key_Back || key === Qt.Key_Backspace) {
            menu.hide()
        } else if (key === Qt.Key_Return || key === Qt.Key_Enter || key === Qt.Key_Space) {
            if (list.currentIndex >= 0 && list.currentIndex < choices.length) menu.chosen(choices[list.currentIndex].code)
            menu.hide()
        } else if (key !== Qt.Key_Left && key !== Qt.Key_Right && key !== Qt.Key_Up && key !== Qt.Key_Down) {
            return  // A, S, I, F: the page's keys still work with the menu open
        }
        event.accepted = true  // arrows stop here: they never seek behind the menu
    }

    Rectangle {
        anchors.fill: parent
        radius: Theme.radius * 1.5
        color: Qt.rgba(0.09, 0.1, 0.13, 0.94)
        border.color: Qt.rgba(1, 1, 1, 0.12)
        border.width: Math.max(1, Theme.px(1))
    }
    Label {
        id: header
        x: Theme.px(22)
        height: Theme.px(52)
        verticalAlignment: Text.AlignVCenter
        text: menu.heading.toUpperCase()
        size: Theme.fontCaption
        font.weight: Font.DemiBold
        font.letterSpacing: Theme.px(1.5)
        color: Theme.textFaint
    }
    ListView {
        id: list
        objectName: menu.objectName + "List"
        anchors { left: parent.left; right: parent.right; top: header.bottom; margins: Theme.px(8); topMargin: 0 }
        height: contentHeight
        interactive: false
        keyNavigationEnabled: true  // follows `interactive` otherwise
        focus: true
        model: menu.choices
        highlightFollowsCurrentItem: false
        delegate: Rectangle {
            id: choice
            required property var modelData
            required property int index
            readonly property bool highlighted: ListView.isCurrentItem && menu.activeFocus
            width: ListView.view.width
            height: Theme.px(54)
            radius: Theme.radius
            color: highlighted ? Theme.text : (hover.containsMouse ? Qt.rgba(1, 1, 1, 0.08) : "transparent")
            Behavior on color { ColorAnimation { duration: Theme.fast } }
            Icon {
                id: mark
                name: "check"
                visible: choice.modelData.current
                x: Theme.px(14)
                anchors.verticalCenter: parent.verticalCenter
                width: Theme.px(22); height: width
                color: choice.highlighted ? Theme.accentText : Theme.accent
            }
            Label {
                anchors { left: parent.left; leftMargin: Theme.px(50); right: code.left; rightMargin: Theme.px(12)
                          verticalCenter: parent.verticalCenter }
                text: choice.modelData.name
                size: Theme.fontBody
                font.weight: choice.modelData.current ? Font.DemiBold : Font.Normal
                color: choice.highlighted ? Theme.accentText : Theme.text
            }
            Text {
                id: code
                anchors { right: parent.right; rightMargin: Theme.px(16); verticalCenter: parent.verticalCenter }
                visible: choice.modelData.code !== "off"
                text: choice.modelData.code
                font.family: Theme.monoFamily
                font.pixelSize: Theme.fontCaption
                color: choice.highlighted ? Qt.rgba(0, 0, 0, 0.55) : Theme.textFaint
            }
            MouseArea {
                id: hover
                anchors.fill: parent
                hoverEnabled: true
                cursorShape: Qt.PointingHandCursor
                onClicked: { menu.chosen(choice.modelData.code); menu.hide() }
            }
        }
    }
}
