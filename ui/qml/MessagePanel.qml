import QtQuick

// A clear message for a failure: what happened, the detail, and one action.
FocusScope {
    id: panel
    property string heading
    property string detail
    property string actionText: ""
    signal action()

    implicitWidth: Math.min(Theme.px(760), parent ? parent.width - 2 * Theme.margin : Theme.px(760))
    implicitHeight: column.implicitHeight

    Column {
        id: column
        width: parent.width
        spacing: Theme.px(18)
        Icon {
            name: "alert"
            color: Theme.danger
            width: Theme.px(56); height: width
            anchors.horizontalCenter: parent.horizontalCenter
        }
        Label {
            width: parent.width
            text: panel.heading
            size: Theme.fontTitle
            font.weight: Font.Bold
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
        }
        Label {
            objectName: "messageDetail"
            width: parent.width
            text: panel.detail
            size: Theme.fontBody
            color: Theme.textDim
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            maximumLineCount: 4
        }
        Item { width: 1; height: Theme.px(8) }
        ActionButton {
            visible: panel.actionText !== ""
            focus: true
            primary: true
            text: panel.actionText
            anchors.horizontalCenter: parent.horizontalCenter
            onActivated: panel.action()
        }
    }
}
